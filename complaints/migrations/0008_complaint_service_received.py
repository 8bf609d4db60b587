"""One service's complaints by time of receipt: (service, received_at) in place of the index
on service alone, which it serves as well, so a submission writes no more indexes than
before.

Open311's `requests.json?service_code=…` read the service's index and the 90 days' window of
`received_at` in full, intersected them and sorted every complaint both held to return the
newest 1,000 (docs/performance.md, finding 42). The new index is built before the old one
is dropped, both concurrently on PostgreSQL so that writes go on (config.online_indexes).
"""

import django.db.models.deletion
from django.db import migrations, models

from config.online_indexes import AddIndexOnline, DropFieldIndexOnline


class Migration(migrations.Migration):
    # Both indexes change concurrently on PostgreSQL (config.online_indexes).
    atomic = False

    dependencies = [
        ("complaints", "0007_complaint_vacuum_after_new_rows"),
    ]

    operations = [
        AddIndexOnline(
            model_name="complaint",
            index=models.Index(fields=["service", "received_at"],
                               name="complaint_service_received"),
        ),
        DropFieldIndexOnline(
            model_name="complaint",
            name="service",
            field=models.ForeignKey(db_index=False,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="complaints", to="complaints.service"),
        ),
    ]
