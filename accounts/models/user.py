from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac

from accounts.handles import validate_handle
from core.models import SoftDeleteModel, SoftDeleteQuerySet


class UserManager(BaseUserManager.from_queryset(SoftDeleteQuerySet)):  # type: ignore[misc]
    """Hides soft-deleted accounts; email lookups ignore case."""

    use_in_migrations = True

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("An email is required.")
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self.create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin, SoftDeleteModel):
    """An account. Email (case-insensitive) is the login; the handle is the public @name."""

    # unique=True satisfies auth.E003; the Lower() constraint below makes it case-insensitive.
    email = models.EmailField(max_length=254, unique=True)
    handle = models.CharField(max_length=30, validators=[validate_handle])
    display_name = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Can log into the admin (with a second factor).")
    email_verified_at = models.DateTimeField(null=True, blank=True)

    # Profile
    bio = models.CharField(max_length=500, blank=True)
    avatar = models.ImageField(upload_to="avatars/%Y/%m/", blank=True)
    links = models.JSONField(default=list, blank=True, help_text="Up to 5 {label, url} pairs.")
    locale = models.CharField(max_length=35, default="en", help_text="BCP 47 language tag.")
    timezone = models.CharField(max_length=64, default="UTC", help_text="IANA time zone name.")

    # Counters, each changed with F() by the app that owns the action (social, content).
    is_private = models.BooleanField(
        default=False, help_text="Private account: a follow is a request the user approves or rejects."
    )
    followers_count = models.PositiveIntegerField(default=0)
    following_count = models.PositiveIntegerField(default=0)
    posts_count = models.PositiveIntegerField(default=0)
    videos_count = models.PositiveIntegerField(default=0)

    # Bumped to end every session at once (bans, sign-out everywhere); see _get_session_auth_hash.
    auth_epoch = models.PositiveIntegerField(default=0, editable=False)

    # Moderation state, set only by accounts' moderation services.
    suspended_until = models.DateTimeField(null=True, blank=True)
    banned_at = models.DateTimeField(null=True, blank=True)
    # A restriction in force: no posting, commenting or chatting until then (the account still signs in).
    restricted_until = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["handle"]

    class Meta(SoftDeleteModel.Meta):
        indexes = [
            # The few accounts ever suspended or banned: feeds leave out their content through it.
            models.Index(
                fields=["id"],
                name="accounts_user_out_of_standing",
                condition=models.Q(banned_at__isnull=False) | models.Q(suspended_until__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.UniqueConstraint(Lower("handle"), name="accounts_user_handle_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(handle__regex=r"^[A-Za-z0-9_]{3,30}$"), name="accounts_user_handle_format"
            ),
        ]

    def __str__(self) -> str:
        return f"@{self.handle}"

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_at is not None

    def _get_session_auth_hash(self, secret=None):
        """Django's session hash (an HMAC of the password), also covering ``auth_epoch``.

        Django checks it on every request and drops a session whose hash no longer matches, so
        raising the epoch ends every session of the account, including ones no device row knows
        (the admin's, for instance). At epoch 0 it is exactly Django's own hash.
        """
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        value = self.password if not self.auth_epoch else f"{self.password}:{self.auth_epoch}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    def get_full_name(self) -> str:
        return self.display_name or self.handle

    def get_short_name(self) -> str:
        return self.handle
