"""Conversations, provenance fields and answer events; existing answers each get a conversation."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def give_each_answer_a_conversation(apps, schema_editor):
    Answer = apps.get_model("qa", "Answer")
    Conversation = apps.get_model("qa", "Conversation")
    for answer in Answer.objects.filter(conversation__isnull=True):
        conversation = Conversation.objects.create(owner_id=answer.owner_id, title=answer.question[:200])
        answer.conversation = conversation
        answer.status = "done"
        answer.save(update_fields=["conversation", "status"])


class Migration(migrations.Migration):
    dependencies = [
        ("qa", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Conversation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="conversations",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"ordering": ["-updated_at", "-id"]},
        ),
        migrations.AddField(
            model_name="answer",
            name="conversation",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="answers",
                to="qa.conversation",
            ),
        ),
        migrations.AddField(
            model_name="answer",
            name="status",
            field=models.CharField(
                choices=[("pending", "Pending"), ("streaming", "Streaming"), ("done", "Done"), ("failed", "Failed")],
                db_index=True,
                default="pending",
                max_length=16,
            ),
        ),
        migrations.RunPython(give_each_answer_a_conversation, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="answer",
            name="conversation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="answers", to="qa.conversation"
            ),
        ),
    ]
