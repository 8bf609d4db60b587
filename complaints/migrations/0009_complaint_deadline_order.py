"""The complaints with a deadline, in the queues' urgency order (next_due, id): a page of a
whole scope (the *all* tabs, the ombudsman's everything) is chosen from them and from the
complaints without one by key (selectors.OrderedKeys), where PostgreSQL sorted every
complaint of the scope to choose 50 (docs/performance.md, finding 49). Only the open
complaints are in it, with the columns the scopes and the state filter read; built
concurrently on PostgreSQL so that writes go on (config.online_indexes).
"""

import datetime

from django.db import migrations, models

from config.online_indexes import AddIndexOnline


class Migration(migrations.Migration):
    # Built concurrently on PostgreSQL (config.online_indexes).
    atomic = False

    dependencies = [
        ("complaints", "0008_complaint_service_received"),
    ]

    operations = [
        AddIndexOnline(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(next_due__lt=datetime.datetime(9999, 12, 31,
                                                                  tzinfo=datetime.UTC)),
                fields=["next_due", "id"], include=("state", "agency", "unit", "assignee"),
                name="complaint_deadline_order"),
        ),
    ]
