from moderation.models.case import Case, CaseNote
from moderation.models.decision import Decision
from moderation.models.log import ModerationLogEntry
from moderation.models.report import Report
from moderation.models.rule import ActionPreset, Rule
from moderation.models.targets import Action, Category, TargetType

__all__ = [
    "Action",
    "ActionPreset",
    "Case",
    "CaseNote",
    "Category",
    "Decision",
    "ModerationLogEntry",
    "Report",
    "Rule",
    "TargetType",
]
