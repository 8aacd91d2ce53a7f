"""Writes on accounts, one module per area. Other apps call the functions re-exported here."""

from accounts.services.access import device_revoke, user_access_revoke_all
from accounts.services.deletion import account_delete, deleted_accounts_purge
from accounts.services.export import data_export_request
from accounts.services.profiles import avatar_delete, avatar_set, profile_update
from accounts.services.users import BACKUP_CODE_COUNT, backup_codes_regenerate, user_create

__all__ = [
    "BACKUP_CODE_COUNT",
    "account_delete",
    "avatar_delete",
    "avatar_set",
    "backup_codes_regenerate",
    "data_export_request",
    "deleted_accounts_purge",
    "device_revoke",
    "profile_update",
    "user_access_revoke_all",
    "user_create",
]
