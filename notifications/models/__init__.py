from notifications.models.announcement import Announcement
from notifications.models.delivery import DeliveryAttempt
from notifications.models.notification import Notification, NotificationActor, NotificationKey
from notifications.models.push_token import PushToken
from notifications.models.settings import NotificationSettings

__all__ = [
    "Announcement",
    "DeliveryAttempt",
    "Notification",
    "NotificationActor",
    "NotificationKey",
    "NotificationSettings",
    "PushToken",
]
