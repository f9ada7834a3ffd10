"""Where each running `broadsheet worker` says it is alive (taskqueue: a dead worker's
tasks come back within seconds)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_confirmed_per_subscription"),
    ]

    operations = [
        migrations.CreateModel(
            name="WorkerHeartbeat",
            fields=[
                ("worker_id", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("seen_at", models.DateTimeField()),
                ("alive_until", models.DateTimeField()),
            ],
        ),
    ]
