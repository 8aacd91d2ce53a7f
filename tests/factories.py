import factory

from accounts.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    handle = factory.Sequence(lambda n: f"user_{n}")
    display_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def with_role(user, *roles: str):
    """Give ``user`` roles directly (the role services check who may grant them)."""
    from django.contrib.auth.models import Group

    from accounts.roles import STAFF_ROLES

    user.groups.add(*Group.objects.filter(name__in=roles))
    if STAFF_ROLES.intersection(roles):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user
