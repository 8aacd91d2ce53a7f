from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0005_connect_payouts"),
    ]

    operations = [
        migrations.AddField(
            model_name="payment",
            name="stripe_read_at",
            field=models.DateTimeField(
                blank=True,
                help_text=(
                    "When the last full read of Stripe's state of it by webhook processing began (events "
                    "created before it are covered by it)."
                ),
                null=True,
            ),
        ),
    ]
