from datetime import UTC, datetime

from django.db import migrations

LISTING_AGREEMENT_V1 = """一、发布主体。卖方应为已开通店铺的认证用户；以代理方式发布的，应持有权利人合法、有效的书面委托。
二、信息真实。卖方保证所发布专利、技术成果的名称、号码、权利人、法律状态、摘要等信息真实、准确、完整，与国家知识产权局登记信息一致。
三、权属与瑕疵。卖方保证标的物权属清晰，不存在未披露的质押、许可、诉讼等权利限制；如有，应在商品信息中如实说明。
四、交易方式。标的物以在线竞价方式交易，起拍价由卖方确定；参与专利（成果）拍卖季的，按本届拍卖季规则及平台竞价规则执行。
五、平台审核。商品须经省技术产权交易市场审核后上架；审核不通过的，平台以短信通知并在卖家中心显示原因，卖方修改后可重新提交。
六、下架。商品上架后、创建竞拍活动前，卖方可申请下架；已纳入竞拍活动的商品不得下架。
七、成交义务。竞拍成交后，卖方应在5个工作日内与买受人签署技术交易合同，并配合办理价款结算与标的交割。
八、本协议自卖方勾选同意之时生效；协议修订后以新版本为准，卖方发布或重新提交商品时应接受新版本。"""


def create(apps, schema_editor):
    Agreement = apps.get_model("agreements", "Agreement")
    Agreement.objects.get_or_create(
        kind="LISTING_AGREEMENT",
        version="2026.1",
        defaults={
            "title": "商品发布协议",
            "body": LISTING_AGREEMENT_V1,
            "effective_at": datetime(2026, 1, 1, tzinfo=UTC),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("agreements", "0003_alter_agreement_kind")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
