from datetime import UTC, datetime

from django.db import migrations

DATA_ROOM_NDA_V1 = """一、保密信息。本协议所称保密信息，是指委托人在本标的物数据室中提供的全部文件及其内容，包括但不限于技术资料、实验数据、图纸、工艺和商业信息。
二、使用限制。竞买人仅为评估是否竞买本标的物而查阅保密信息，不得用于其他目的，不得向第三方披露、复制或传播。
三、记录。竞买人知悉每次下载均被记录（下载人、文件、时间），并向委托人及省技术产权交易市场展示。
四、期限。保密义务自接受本协议之时起，至保密信息依法公开之日止；未成交的，竞买人应删除已下载的文件。
五、责任。违反本协议的，竞买人依法承担相应法律责任，平台可取消其竞买资格。
六、本协议自竞买人勾选同意之时生效；协议修订后以新版本为准，查阅数据室前应接受新版本。"""


def create(apps, schema_editor):
    Agreement = apps.get_model("agreements", "Agreement")
    Agreement.objects.get_or_create(
        kind="DATA_ROOM_NDA",
        version="2026.1",
        defaults={
            "title": "数据室保密协议",
            "body": DATA_ROOM_NDA_V1,
            "effective_at": datetime(2026, 1, 1, tzinfo=UTC),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("agreements", "0005_alter_agreement_kind")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
