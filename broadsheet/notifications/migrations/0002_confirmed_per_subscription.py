"""Confirmation moves from the address to each subscription.

Subscriptions of an address confirmed before keep working (confirmed when the address
was: there is no telling now which of them its owner asked for); every new one waits
for a confirmation of its own."""

from django.db import migrations, models


def carry_confirmation(apps, schema_editor):
    Address = apps.get_model("notifications", "Address")
    Subscription = apps.get_model("notifications", "Subscription")
    for address_id, confirmed_at in Address.objects.filter(confirmed_at__isnull=False).values_list(
        "pk", "confirmed_at"
    ):
        Subscription.objects.filter(address_id=address_id).update(confirmed_at=confirmed_at)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="subscription",
            name="confirmation_sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="subscription",
            name="confirmed_at",
            field=models.DateTimeField(
                blank=True, help_text="When the address's owner said yes to this one.", null=True
            ),
        ),
        migrations.RunPython(carry_confirmation, migrations.RunPython.noop),
        migrations.RemoveField(model_name="address", name="confirmation_sent_at"),
        migrations.RemoveField(model_name="address", name="confirmed_at"),
    ]
