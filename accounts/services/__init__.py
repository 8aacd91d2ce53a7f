"""Writes on accounts, one module per area. Other apps call the functions re-exported here."""

from accounts.services.access import device_revoke, user_access_revoke_all
from accounts.services.users import BACKUP_CODE_COUNT, backup_codes_regenerate, user_create

__all__ = ["BACKUP_CODE_COUNT", "backup_codes_regenerate", "device_revoke", "user_access_revoke_all", "user_create"]
