from django.db import migrations
from datetime import UTC, datetime

SHOP_NOTICE_V1 = """一、开店主体。店铺须以已通过实名认证和身份审核的个人或机构名义开通；机构店铺名称应与实名认证的机构名称一致。
二、信息真实。店铺信息、联系方式及发布的专利、技术成果信息应真实、准确、完整，不得虚构或隐瞒权属状况。
三、权属与授权。发布的标的物应为本店铺主体自有，或已取得权利人合法、有效的委托授权（代理）。
四、平台审核。店铺开通、商品发布及变更均须经省技术产权交易市场审核；审核结果以短信通知。
五、交易规则。参与专利（成果）拍卖季的标的物按在线竞价规则成交，成交后双方应在5个工作日内签署技术交易合同并按约结算、交割。
六、违规处理。违反本须知或平台规则的，平台有权下架相关商品、暂停或关闭店铺。
七、本须知自发布之日起施行，修订后以新版本为准，继续使用店铺即视为接受新版本。"""


def create(apps, schema_editor):
    Agreement = apps.get_model("agreements", "Agreement")
    Agreement.objects.get_or_create(
        kind="SHOP_NOTICE",
        version="2026.1",
        defaults={
            "title": "开店须知",
            "body": SHOP_NOTICE_V1,
            "effective_at": datetime(2026, 1, 1, tzinfo=UTC),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("agreements", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
