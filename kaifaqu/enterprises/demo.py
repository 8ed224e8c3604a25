"""Demo data: the eight Shanxi zones of docs/domain (zone-work.md), with synthetic parks, departments, chains,
enterprises and one account per role.

- Deterministic: every random choice comes from `random.Random` seeded with a fixed string per zone; no date
  depends on today (all dates fall in 1995–2024).
- Idempotent: rows are matched by natural keys (zone name; park, department and chain by zone and name; enterprise
  by credit code; user by username). Existing rows are left as they are; only missing ones are created. One
  exception: a demo firm seeded before firms had a liaison department (包联部门) gets its planned one, once — a
  firm whose department was ever set (and perhaps cleared by a user since) is left alone.
- Fast: bulk_create with an initial history entry (simple_history's bulk_create_with_history).

Zones carry the facts the news reported, nothing more. Everything else is invented and marked: every synthetic
firm name ends with （演示）, every synthetic row has is_demo=True or says 演示数据 in its description, and no real
company name carries an invented figure.
"""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history
from stdnum.cn import uscc

from kaifaqu.accounts import services as account_services
from kaifaqu.accounts.choices import DomainChoices, RoleChoices
from kaifaqu.accounts.demo_accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, FIRST_DEMO_FIRM
from kaifaqu.accounts.models import User
from kaifaqu.core.history import bulk_history
from kaifaqu.core.money import WAN
from kaifaqu.zones.choices import ZoneKindChoices, ZoneLevelChoices
from kaifaqu.zones.models import Department, IndustryChain, Park, Region, Zone

from .choices import EnterpriseScaleChoices, EnterpriseStatusChoices
from .models import Contact, Enterprise, IndustryClass, Tag

SEED = "kaifaqu-demo-v1"
DEMO_MARK = "（演示）"
CHANGE_REASON = "演示数据初始化"
ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100 characters (no I, O, S, V, Z)
FIRST_DAY = date(1995, 1, 1)
LAST_DAY = date(2024, 12, 31)
BATCH = 500


# ---------------------------------------------------------------------------------------------------------------
# Industries: GB/T 4754-2017 classes grouped by theme, each with the words a firm name uses and its products.
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Industry:
    code: str
    words: tuple
    products: str


def _industries(*rows):
    return tuple(Industry(code, tuple(words.split("/")), products) for code, words, products in rows)


THEMES = {
    "new_materials": _industries(
        ("2651", "新材料科技/高分子材料", "工程塑料、合成树脂"),
        ("2659", "新材料/特种材料", "特种合成材料"),
        ("2661", "化工科技/助剂", "化学试剂、塑料助剂"),
        ("2921", "薄膜科技/新材料", "功能薄膜、TPU薄膜"),
        ("2929", "塑业/塑胶制品", "工程塑料制品"),
        ("3061", "玻纤/复合材料", "玻璃纤维及制品"),
        ("3073", "特种陶瓷/精细陶瓷", "特种陶瓷制品"),
        ("3091", "碳素/石墨新材料", "石墨电极、碳素制品"),
        ("3240", "合金材料/新材料", "有色金属合金"),
        ("3252", "铝业/铝材", "铝型材、铝板带"),
        ("3985", "电子材料", "电子专用材料"),
    ),
    "chemicals": _industries(
        ("2614", "化工/化学", "有机化学原料"),
        ("2613", "化工/盐化", "无机盐"),
        ("2641", "涂料/漆业", "工业涂料"),
        ("2662", "化学品/精细化工", "专项化学用品"),
        ("2666", "环保材料/水处理", "水处理药剂"),
        ("2624", "肥业/农资", "复混肥料"),
    ),
    "coal_chemicals": _industries(
        ("2521", "焦化/煤焦", "冶金焦、焦炉煤气"),
        ("2522", "煤化工/能源化工", "合成气"),
        ("2524", "洁净煤/煤业", "型煤、洁净煤"),
        ("2529", "煤炭加工", "煤焦油深加工产品"),
    ),
    "metals": _industries(
        ("3140", "铁合金/冶金", "硅铁、锰铁"),
        ("3311", "钢结构/钢构", "钢结构件"),
        ("3340", "金属制品/线材", "钢丝、钢丝绳"),
        ("3360", "热处理/表面处理", "金属热处理加工"),
        ("3391", "铸造/铸业", "铸铁件"),
        ("3392", "精密铸造/铸业", "有色金属铸件"),
        ("3393", "锻造/锻压", "锻件、粉末冶金件"),
        ("3482", "紧固件/标准件", "紧固件"),
    ),
    "equipment": _industries(
        ("3421", "数控机床/机床", "数控机床"),
        ("3431", "起重设备/起重机械", "轻小型起重设备"),
        ("3434", "输送设备/机械", "带式输送机"),
        ("3441", "泵业/流体设备", "工业泵"),
        ("3443", "阀门/阀业", "工业阀门"),
        ("3453", "传动机械/齿轮", "齿轮、减速机"),
        ("3462", "风机/通风设备", "工业风机"),
        ("3463", "环保设备/净化设备", "除尘及净化设备"),
        ("3484", "机械/精密机械", "机械零部件"),
        ("3491", "智能装备/机器人", "工业机器人"),
        ("3511", "矿山机械/矿用设备", "矿山机械"),
        ("3516", "冶金设备/重工", "冶金专用设备"),
        ("3525", "模具/精密模具", "模具"),
        ("3670", "汽车部件/汽配", "汽车零部件"),
        ("3715", "轨道交通装备/机车配件", "机车车辆配件"),
    ),
    "electrical": _industries(
        ("3415", "风电装备/新能源装备", "风电设备部件"),
        ("3812", "电机/电气", "电动机"),
        ("3821", "电气/变压器", "变压器、整流器"),
        ("3823", "电气设备/开关", "配电开关控制设备"),
        ("3825", "光伏科技/新能源", "光伏组件"),
        ("3829", "电力设备/电气", "输配电设备"),
        ("3831", "电缆/线缆", "电线电缆"),
        ("3841", "新能源科技/储能", "锂离子电池"),
    ),
    "electronics_it": _industries(
        ("3914", "自动化/工控", "工业控制计算机"),
        ("3976", "光电科技/光电", "光电子器件"),
        ("3982", "电子/电路", "印制电路板"),
        ("3983", "传感科技/传感器", "传感器"),
        ("6513", "软件/信息科技", "应用软件"),
        ("6520", "微电子/芯片设计", "集成电路设计"),
        ("6531", "信息技术/系统集成", "信息系统集成"),
        ("6532", "物联网科技/智联科技", "物联网解决方案"),
        ("6450", "数据科技/大数据", "数据服务"),
    ),
    "building_materials": _industries(
        ("3021", "建材/水泥制品", "水泥制品"),
        ("3022", "构件/建筑科技", "预制混凝土构件"),
        ("3024", "新型建材/节能建材", "轻质建筑材料"),
        ("3033", "防水材料/建材", "防水卷材"),
        ("3071", "陶瓷/瓷业", "建筑陶瓷"),
        ("3074", "陶瓷/瓷业", "日用陶瓷"),
        ("3089", "耐火材料/耐材", "耐火材料"),
    ),
    "food": _industries(
        ("1313", "粮油/粮食", "玉米深加工产品"),
        ("1331", "油脂/粮油", "食用植物油"),
        ("1353", "食品/肉制品", "肉制品"),
        ("1371", "农产品/蔬菜", "脱水蔬菜"),
        ("1373", "果业/农产品", "果品加工"),
        ("1431", "食品/面业", "米面制品"),
        ("1432", "速冻食品/食品", "速冻食品"),
        ("1441", "乳业/乳品", "液体乳"),
        ("1462", "醋业/调味品", "食醋、酱油"),
        ("1512", "酒业/酿酒", "白酒"),
        ("1523", "饮品/饮料", "果蔬汁饮料"),
    ),
    "pharma": _industries(
        ("2710", "药业/医药化工", "原料药"),
        ("2720", "制药/药业", "化学药品制剂"),
        ("2730", "中药饮片/药业", "中药饮片"),
        ("2740", "药业/中药", "中成药"),
        ("2770", "医用材料/卫材", "医用敷料"),
    ),
    "energy": _industries(
        ("4415", "风电/新能源", "风力发电"),
        ("4416", "新能源/光伏电力", "光伏发电"),
        ("4430", "热力/能源", "集中供热"),
        ("4511", "燃气/能源", "天然气供应"),
    ),
    "logistics": _industries(
        ("5431", "物流/运输", "道路货物运输"),
        ("5432", "冷链物流/冷运", "冷藏车道路运输"),
        ("5437", "城市配送/物流", "城市配送"),
        ("5810", "多式联运/物流", "多式联运"),
        ("5821", "货运代理/国际物流", "货物运输代理"),
        ("5920", "仓储/物流", "通用仓储"),
        ("5930", "冷链/冷库", "低温仓储"),
        ("7224", "供应链管理/供应链", "供应链管理服务"),
    ),
    "trade": _industries(
        ("5161", "能源贸易/煤炭销售", "煤炭批发"),
        ("5164", "物资/金属贸易", "金属材料批发"),
        ("5165", "建材贸易/建材", "建材批发"),
        ("5169", "化工贸易/化工", "化工产品批发"),
        ("5123", "果蔬/农产品", "果品蔬菜批发"),
        ("5124", "农产品/食品", "肉禽蛋奶批发"),
        ("5174", "五金/五金机电", "五金产品批发"),
        ("5179", "机电设备/设备", "机械设备批发"),
    ),
    "ecommerce": _industries(
        ("5292", "电子商务/电商", "互联网零售"),
        ("5193", "电子商务/网络科技", "互联网批发"),
        ("6432", "网络科技/信息科技", "生活服务平台"),
        ("7251", "文化传媒/传媒", "互联网广告"),
    ),
    "services": _industries(
        ("7320", "工程技术研究院/技术研究", "工程和技术研发"),
        ("7452", "检测/检验检测", "检测服务"),
        ("7484", "工程设计/设计", "工程设计"),
        ("7513", "新材料技术/科技服务", "新材料技术推广"),
        ("7514", "节能科技/节能", "节能技术服务"),
        ("7516", "环保科技/环境科技", "环保技术服务"),
        ("7530", "科技服务/科技咨询", "科技中介服务"),
        ("7540", "创业服务/孵化器", "创业空间服务"),
        ("7263", "人力资源/劳务", "劳务派遣"),
        ("5011", "装饰工程/建筑装饰", "公共建筑装饰"),
    ),
}

# Themes whose firms may carry technology tags (高新技术企业, 科技型中小企业).
TECH_THEMES = {"new_materials", "electronics_it", "equipment", "electrical", "pharma", "services"}
INDUSTRIAL_SECTIONS = {"B", "C", "D"}
TAGS = ("规上", "高新技术企业", "专精特新", "科技型中小企业", "外贸")

DEPARTMENTS = {
    "经济运行部": [DomainChoices.REGISTRY, DomainChoices.STATISTICS],
    "招商中心": [DomainChoices.PROJECTS],
    "项目服务中心": [DomainChoices.PROJECTS],
    "企业服务中心": [DomainChoices.SERVICES],
    "行政审批局": [DomainChoices.PROJECTS],
    "科技创新部": [DomainChoices.CULTIVATION],
}
# 包联部门: the departments that each look after a share of the zone's firms, with their weights. The approvals
# bureau (行政审批局) handles matters, not firms; a zone with none of these falls back to all its departments.
LIAISON_WEIGHTS = {"企业服务中心": 35, "经济运行部": 25, "招商中心": 15, "项目服务中心": 15, "科技创新部": 10}


# ---------------------------------------------------------------------------------------------------------------
# Zones
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ParkSpec:
    name: str
    themes: tuple  # themes whose firms settle here; "*" takes any firm
    area_mu: int


@dataclass(frozen=True)
class ChainSpec:
    name: str
    industry_codes: str  # GB/T 4754 sections or divisions, e.g. "C26,C29"
    description: str = ""


@dataclass(frozen=True)
class ZoneSpec:
    name: str
    short_name: str
    level: str
    kind: str
    region: str  # GB/T 2260
    description: str
    places: tuple  # place words firm names start with
    firms: int
    themes: dict  # theme -> weight
    parks: tuple
    departments: tuple
    chains: tuple
    export_share: float = 0.05  # share of manufacturers tagged 外贸
    seed: str = field(default="", compare=False)

    @property
    def rng_seed(self):
        return self.seed or f"{SEED}:{self.name}"


_SYNTHETIC = "系统中的园区、企业及各项数字均为演示数据，不代表真实情况。"

ZONES = (
    ZoneSpec(
        name="山西平定经济技术开发区",
        short_name="平定经开区",
        level=ZoneLevelChoices.PROVINCIAL,
        kind=ZoneKindChoices.ECONOMIC,
        region="140321",
        description=(
            "据2025年初公开报道：区内年产1万吨聚砜（PSU/PES/PPSU）项目四栋建筑主体封顶，环评、安评、能评已通过，"
            "一期预计2025年年中投产，预计产值超10亿元。" + _SYNTHETIC
        ),
        places=("平定县", "平定县", "阳泉", "山西"),
        firms=290,
        themes={
            "new_materials": 26,
            "chemicals": 14,
            "building_materials": 16,
            "metals": 8,
            "equipment": 12,
            "logistics": 7,
            "trade": 9,
            "services": 8,
        },
        parks=(
            ParkSpec("平定经开区化工新材料产业园", ("new_materials", "chemicals"), 3200),
            ParkSpec("平定经开区耐火材料产业园", ("building_materials", "metals"), 1800),
            ParkSpec("平定经开区中小企业创业园", ("*",), 600),
        ),
        departments=("经济运行部", "招商中心", "项目服务中心", "企业服务中心", "行政审批局"),
        chains=(
            ChainSpec("高分子新材料产业链", "C26,C28,C29", "聚砜等特种工程塑料、合成树脂及制品"),
            ChainSpec("耐火及新型建材产业链", "C30", "耐火材料、新型建筑材料"),
            ChainSpec("装备制造产业链", "C33,C34,C35", "通用及专用设备、金属制品"),
        ),
    ),
    ZoneSpec(
        name="山西高平经济技术开发区",
        short_name="高平经开区",
        level=ZoneLevelChoices.PROVINCIAL,
        kind=ZoneKindChoices.ECONOMIC,
        region="140581",
        description=(
            "据2025年初公开报道：开发区发布年度工作总结，涉及新增规上、四上企业，工业投资，规上工业增加值，"
            "“三个一批”项目，五个园中园，梯度培育企业，审批服务事项下放与全代办等。" + _SYNTHETIC
        ),
        places=("高平市", "高平市", "晋城", "山西"),
        firms=360,
        themes={
            "new_materials": 20,
            "equipment": 18,
            "metals": 10,
            "electrical": 7,
            "food": 14,
            "pharma": 5,
            "logistics": 7,
            "trade": 9,
            "services": 10,
        },
        parks=(
            ParkSpec("高平经开区新材料产业园", ("new_materials", "metals"), 2600),
            ParkSpec("高平经开区装备制造产业园", ("equipment", "electrical"), 2200),
            ParkSpec("高平经开区食品医药产业园", ("food", "pharma"), 1500),
            ParkSpec("高平经开区现代物流园", ("logistics", "trade"), 900),
            ParkSpec("高平经开区中小企业创业园", ("*",), 500),
        ),
        departments=("经济运行部", "招商中心", "项目服务中心", "企业服务中心", "行政审批局", "科技创新部"),
        chains=(
            ChainSpec("新材料产业链", "C26,C29,C30,C32", "化工新材料、特种合金、新型无机非金属材料"),
            ChainSpec("装备制造产业链", "C33,C34,C35,C36,C38", "通用及专用设备、汽车零部件、电气机械"),
            ChainSpec("食品医药产业链", "C13,C14,C15,C27", "农副食品加工、食品饮料、医药"),
        ),
    ),
    ZoneSpec(
        name="山西中北高新技术产业开发区",
        short_name="中北高新区",
        level=ZoneLevelChoices.PROVINCIAL,
        kind=ZoneKindChoices.HIGH_TECH,
        region="140108",
        description=(
            "据2025年初公开报道：区内12家机构列入太原市新型研发机构名单，其中认定2家、培育10家。" + _SYNTHETIC
        ),
        places=("山西", "山西", "太原"),
        firms=300,
        themes={
            "electronics_it": 30,
            "equipment": 18,
            "electrical": 8,
            "new_materials": 12,
            "services": 20,
            "trade": 5,
            "logistics": 4,
            "ecommerce": 3,
        },
        parks=(
            ParkSpec("中北高新区科技创新园", ("services", "electronics_it"), 800),
            ParkSpec("中北高新区智能制造产业园", ("equipment", "electrical", "new_materials"), 1600),
            ParkSpec("中北高新区数字经济产业园", ("electronics_it", "ecommerce"), 700),
        ),
        departments=("经济运行部", "招商中心", "企业服务中心", "行政审批局", "科技创新部"),
        chains=(
            ChainSpec("电子信息产业链", "C39,I64,I65", "电子器件、传感器、软件和信息技术服务"),
            ChainSpec("高端装备产业链", "C34,C35,C38", "智能装备、专用设备、电气机械"),
            ChainSpec("新材料产业链", "C26,C29,C30", "化工新材料、先进无机非金属材料"),
        ),
    ),
    ZoneSpec(
        name="山西灵石经济技术开发区",
        short_name="灵石经开区",
        level=ZoneLevelChoices.PROVINCIAL,
        kind=ZoneKindChoices.ECONOMIC,
        region="140729",
        description=(
            "据2025年初公开报道：开发区对79家企业开展小升规动态跟踪，将营业收入在400万元至2000万元之间的企业"
            "纳入培育库，统计、发改、工信等部门协同推进。" + _SYNTHETIC
        ),
        places=("灵石县", "灵石县", "晋中", "山西"),
        firms=320,
        themes={
            "coal_chemicals": 12,
            "chemicals": 8,
            "new_materials": 10,
            "metals": 14,
            "equipment": 16,
            "building_materials": 8,
            "logistics": 8,
            "trade": 12,
            "services": 7,
            "energy": 5,
        },
        parks=(
            ParkSpec("灵石经开区煤焦化工产业园", ("coal_chemicals", "chemicals"), 2800),
            ParkSpec("灵石经开区装备制造产业园", ("equipment", "metals", "new_materials"), 1900),
            ParkSpec("灵石经开区中小企业孵化园", ("*",), 450),
        ),
        departments=("经济运行部", "招商中心", "项目服务中心", "企业服务中心"),
        chains=(
            ChainSpec("煤焦化工产业链", "C25,C26", "焦化及化工产品"),
            ChainSpec("新材料产业链", "C30,C31,C32", "新型冶金材料、无机非金属材料"),
            ChainSpec("装备制造产业链", "C33,C34,C35", "铸锻件、通用及专用设备"),
        ),
    ),
    ZoneSpec(
        name="山西朔州经济开发区",
        short_name="朔州经开区",
        level=ZoneLevelChoices.PROVINCIAL,
        kind=ZoneKindChoices.ECONOMIC,
        region="140600",
        description=(
            "据2025年初公开报道：开发区建立企业档案，掌握在手订单、出口占比、产能与产值等情况，并建设直播电商基地。"
            + _SYNTHETIC
        ),
        places=("朔州", "朔州市", "山西"),
        firms=290,
        themes={
            "building_materials": 18,
            "electrical": 14,
            "energy": 6,
            "food": 18,
            "equipment": 10,
            "ecommerce": 10,
            "logistics": 8,
            "trade": 8,
            "services": 8,
        },
        parks=(
            ParkSpec("朔州经开区陶瓷及新型建材产业园", ("building_materials",), 1700),
            ParkSpec("朔州经开区新能源装备产业园", ("electrical", "energy", "equipment"), 2100),
            ParkSpec("朔州经开区绿色食品产业园", ("food",), 1200),
            ParkSpec("朔州经开区直播电商基地", ("ecommerce", "trade"), 120),
        ),
        departments=("经济运行部", "招商中心", "项目服务中心", "企业服务中心"),
        chains=(
            ChainSpec("陶瓷及新型建材产业链", "C30", "建筑陶瓷、日用陶瓷、新型建材"),
            ChainSpec("新能源装备产业链", "C34,C38,D44", "风电光伏装备、储能、输配电设备"),
            ChainSpec("绿色食品产业链", "C13,C14,C15", "乳制品、肉制品、杂粮加工"),
        ),
        export_share=0.18,
    ),
    ZoneSpec(
        name="山西上党经济技术开发区",
        short_name="上党经开区",
        level=ZoneLevelChoices.PROVINCIAL,
        kind=ZoneKindChoices.ECONOMIC,
        region="140404",
        description=(
            "据2025年初公开报道：开发区召开冷链物流企业座谈会，听取企业在仓储设施建设、冷链运输方面的困难和问题，"
            "由管委会协调解决。" + _SYNTHETIC
        ),
        places=("长治市上党区", "长治", "长治", "山西"),
        firms=270,
        themes={
            "logistics": 24,
            "food": 14,
            "equipment": 16,
            "metals": 8,
            "electrical": 6,
            "trade": 12,
            "services": 10,
            "new_materials": 6,
            "ecommerce": 4,
        },
        parks=(
            ParkSpec("上党经开区冷链物流园", ("logistics", "trade", "ecommerce"), 1300),
            ParkSpec("上党经开区装备制造产业园", ("equipment", "metals", "electrical", "new_materials"), 1900),
            ParkSpec("上党经开区绿色食品产业园", ("food",), 900),
        ),
        departments=("经济运行部", "招商中心", "项目服务中心", "企业服务中心"),
        chains=(
            ChainSpec("现代物流与冷链产业链", "G54,G58,G59,F51", "道路运输、冷链仓储、供应链服务"),
            ChainSpec("装备制造产业链", "C33,C34,C35,C36", "通用及专用设备、汽车零部件"),
            ChainSpec("绿色食品产业链", "C13,C14", "农副食品加工、速冻食品"),
        ),
    ),
    ZoneSpec(
        name="山西转型综合改革示范区",
        short_name="山西转型综改示范区",
        level=ZoneLevelChoices.PROVINCIAL,
        kind=ZoneKindChoices.REFORM,
        region="140100",
        description=(
            "据2025年初公开报道：区内TPU薄膜项目占地26亩、建筑面积3.5万平方米，总投资2.2亿元，达产后预计产值2亿元；"
            "2023年5月29日签约，6月5日备案，10月1日开工，三条生产线试生产，第四条正在调试。" + _SYNTHETIC
        ),
        places=("山西", "山西", "太原"),
        firms=400,
        themes={
            "new_materials": 18,
            "electronics_it": 22,
            "equipment": 16,
            "electrical": 10,
            "pharma": 6,
            "services": 14,
            "logistics": 6,
            "trade": 5,
            "ecommerce": 3,
        },
        parks=(
            ParkSpec("综改区新材料产业园", ("new_materials",), 3000),
            ParkSpec("综改区信息技术产业园", ("electronics_it", "ecommerce"), 1400),
            ParkSpec("综改区高端装备产业园", ("equipment", "electrical"), 2600),
            ParkSpec("综改区生物医药产业园", ("pharma",), 1100),
            ParkSpec("综改区科创孵化园", ("*",), 400),
        ),
        departments=("经济运行部", "招商中心", "项目服务中心", "企业服务中心", "行政审批局", "科技创新部"),
        chains=(
            ChainSpec("新材料产业链", "C26,C29,C30,C32", "化工新材料、高性能膜材料、先进金属材料"),
            ChainSpec("信息技术产业链", "C39,I64,I65", "电子器件、软件和信息技术服务"),
            ChainSpec("高端装备产业链", "C34,C35,C37,C38", "智能装备、轨道交通装备、电气机械"),
        ),
    ),
    ZoneSpec(
        name="山西永济经济技术开发区",
        short_name="永济经开区",
        level=ZoneLevelChoices.PROVINCIAL,
        kind=ZoneKindChoices.ECONOMIC,
        region="140881",
        description=(
            "据2025年初公开报道：市长调研四个重点项目并就道路建设现场办公，协调解决用地、宿舍和食堂等问题。"
            + _SYNTHETIC
        ),
        places=("永济市", "永济市", "运城", "山西"),
        firms=260,
        themes={
            "equipment": 18,
            "electrical": 18,
            "energy": 6,
            "metals": 8,
            "food": 16,
            "pharma": 4,
            "logistics": 8,
            "trade": 10,
            "services": 8,
            "building_materials": 4,
        },
        parks=(
            ParkSpec("永济经开区装备制造产业园", ("equipment", "metals", "electrical"), 2300),
            ParkSpec("永济经开区新能源产业园", ("electrical", "energy"), 1500),
            ParkSpec("永济经开区绿色食品产业园", ("food", "pharma"), 1000),
        ),
        departments=("经济运行部", "招商中心", "项目服务中心", "企业服务中心"),
        chains=(
            ChainSpec("装备制造产业链", "C34,C35,C37", "轨道交通装备配套、通用及专用设备"),
            ChainSpec("电机及新能源产业链", "C38,D44", "电机、输配电设备、光伏与储能"),
            ChainSpec("绿色食品产业链", "C13,C14,C15", "果蔬加工、食品饮料"),
        ),
    ),
)

ZONES_BY_SHORT_NAME = {spec.short_name: spec for spec in ZONES}


# ---------------------------------------------------------------------------------------------------------------
# Synthetic enterprises
# ---------------------------------------------------------------------------------------------------------------
BRAND_CHARS = (
    "鑫恒瑞泰宏润聚源德弘锦盛嘉骏卓拓欣昊沐翔峰凯睿博益诚达远丰优澜禾"
    "晟煜铭冠泓昱岳朗潇启航辰豪创耀瀚佳顺兴和坤乾隆宇森蓝晖蔚衡策钧烁"
)
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
    "田董袁潘于蒋蔡余杜程苏魏吕丁任姚卢姜崔武贾闫段雷侯史薛郝常乔牛温"
)
GIVEN_CHARS = "建国志伟强军平明文华红丽静敏燕艳霞芳鹏磊涛斌波亮晓海东春玉秀英兰峰刚勇杰宇浩鑫婷雪慧琳洁晶璐博凯瑞轩怡欣"
ROADS = (
    "创业路",
    "兴业路",
    "科技大道",
    "工业路",
    "产业大道",
    "园区路",
    "发展大道",
    "开元街",
    "纬一路",
    "经二路",
    "新区大道",
)
TITLES = ("总经理", "办公室主任", "统计员", "财务负责人", "副总经理", "生产部长")
SCALE_WEIGHTS = (
    (EnterpriseScaleChoices.MICRO, 46),
    (EnterpriseScaleChoices.SMALL, 38),
    (EnterpriseScaleChoices.MEDIUM, 13),
    (EnterpriseScaleChoices.LARGE, 3),
)
# Registered capital in 万元 by scale: (low, high, step).
CAPITAL_RANGES = {
    EnterpriseScaleChoices.MICRO: (10, 500, 10),
    EnterpriseScaleChoices.SMALL: (100, 3000, 50),
    EnterpriseScaleChoices.MEDIUM: (1000, 10000, 100),
    EnterpriseScaleChoices.LARGE: (5000, 80000, 1000),
}


@dataclass
class ContactPlan:
    name: str
    title: str
    phone: str
    is_primary: bool


@dataclass
class FirmPlan:
    credit_code: str
    name: str
    theme: str
    industry: str
    park: str | None
    address: str
    legal_representative: str
    founded_on: date
    registered_capital: Decimal
    scale: str
    status: str
    status_changed_on: date | None
    main_products: str
    tags: list
    contacts: list
    chains: list = field(default_factory=list)
    liaison: str | None = None  # the name of the zone department that looks after the firm (包联部门)


def weighted(rng, pairs):
    items = list(pairs)
    return rng.choices([item for item, _ in items], weights=[weight for _, weight in items])[0]


def credit_code(region_code, org):
    """统一社会信用代码: 9 (registered by market regulation, 工商), 1 (企业), the 6-digit region, the 9-character
    organisation part, then the check character."""
    body = f"91{region_code}{org}"
    return body + uscc.calc_check_digit(body)


def organisation_code(rng, founded_on):
    """A 9-character organisation part: "MA…" for firms registered under the unified code (2015 on), an
    organisation code with its GB 11714 check digit for older firms."""
    if founded_on.year >= 2016:
        return "MA" + "".join(rng.choice(ORG_ALPHABET) for _ in range(7))
    digits = [rng.randrange(10) for _ in range(8)]
    check = 11 - sum(d * w for d, w in zip(digits, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return "".join(map(str, digits)) + {10: "X", 11: "0"}.get(check, str(check))


def person_name(rng):
    given = rng.choice(GIVEN_CHARS) + (rng.choice(GIVEN_CHARS) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def fake_phone(rng):
    """139-0000-xxxx: clearly not a real subscriber number."""
    return f"1390000{rng.randrange(10000):04d}"


def random_day(rng, low, high):
    return low + timedelta(days=rng.randrange((high - low).days + 1))


class FirmFactory:
    """Plans the synthetic firms of one zone, deterministically. Names and codes stay unique across factories
    that share `used_names` and `used_orgs`."""

    def __init__(self, spec, sections, *, address_prefix="", used_names=None, used_orgs=None):
        self.spec = spec
        self.sections = sections  # class code -> (section, division)
        self.address_prefix = address_prefix
        self.rng = random.Random(spec.rng_seed)
        self.used_names = used_names if used_names is not None else set()
        self.used_orgs = used_orgs if used_orgs is not None else set()
        self.theme_weights = list(spec.themes.items())

    def plan(self, count=None):
        return [self.make(index) for index in range(count if count is not None else self.spec.firms)]

    def make(self, index):
        """Plan firm `index`. The first firm of a zone (the demo enterprise user's) is an active small maker in
        the zone's leading theme, settled in a park."""
        rng, spec = self.rng, self.spec
        first = index == 0
        theme = weighted(rng, self.theme_weights)
        theme = next(iter(spec.themes)) if first else theme
        industry = rng.choice(THEMES[theme])
        section, division = self.sections[industry.code]
        scale = EnterpriseScaleChoices.SMALL if first else weighted(rng, SCALE_WEIGHTS)
        founded_on = date(1995 + int(30 * rng.random() ** 0.6), 1, 1) + timedelta(days=rng.randrange(365))
        founded_on = min(founded_on, LAST_DAY)
        status, changed_on = self.status(founded_on, force_active=first)
        code = self.credit_code(founded_on)
        return FirmPlan(
            credit_code=code,
            name=self.name(industry, scale),
            theme=theme,
            industry=industry.code,
            park=self.park(theme, force=first),
            address=f"{self.address_prefix}{spec.short_name}{rng.choice(ROADS)}{rng.randrange(1, 300)}号",
            legal_representative=person_name(rng),
            founded_on=founded_on,
            registered_capital=self.capital(scale),
            scale=scale,
            status=status,
            status_changed_on=changed_on,
            main_products=industry.products,
            tags=self.tags(theme, section, scale),
            contacts=self.contacts(),
            chains=[
                chain.name
                for chain in spec.chains
                if _fits(chain.industry_codes, section, division) and rng.random() < 0.85
            ],
            liaison=self.liaison(code),
        )

    def name(self, industry, scale):
        rng = self.rng
        for attempt in range(60):
            brand = "".join(rng.sample(BRAND_CHARS, 2 if attempt < 40 else 3))
            if scale in (EnterpriseScaleChoices.LARGE, EnterpriseScaleChoices.MEDIUM) and rng.random() < 0.35:
                suffix = "股份有限公司"
            else:
                suffix = weighted(rng, (("有限公司", 84), ("有限责任公司", 14), ("股份有限公司", 2)))
            name = f"{rng.choice(self.spec.places)}{brand}{rng.choice(industry.words)}{suffix}{DEMO_MARK}"
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        raise RuntimeError("could not find an unused demo firm name")

    def credit_code(self, founded_on):
        while True:
            org = organisation_code(self.rng, founded_on)
            if org not in self.used_orgs:
                self.used_orgs.add(org)
                return credit_code(self.spec.region, org)

    def liaison(self, credit_code):
        """The firm's liaison department, drawn from its own generator (seeded by its credit code) so that adding
        it changed none of the other planned values."""
        names = self.spec.departments
        weights = [(name, LIAISON_WEIGHTS[name]) for name in names if name in LIAISON_WEIGHTS]
        if not weights:
            weights = [(name, 1) for name in names]
        if not weights:
            return None
        return weighted(random.Random(f"{SEED}:liaison:{credit_code}"), weights)

    def park(self, theme, force=False):
        rng, parks = self.rng, self.spec.parks
        fitting = [p.name for p in parks if theme in p.themes]
        general = [p.name for p in parks if "*" in p.themes]
        roll = rng.random()
        if fitting and (roll < 0.8 or force):
            return rng.choice(fitting)
        if general and roll < 0.92:
            return rng.choice(general)
        return None

    def status(self, founded_on, force_active=False):
        roll = self.rng.random()
        if force_active or roll >= 0.08:
            return EnterpriseStatusChoices.ACTIVE, None
        status = EnterpriseStatusChoices.CLOSED if roll < 0.05 else EnterpriseStatusChoices.MOVED_OUT
        low = max(founded_on + timedelta(days=200), date(2016, 1, 1))
        if low > LAST_DAY:
            low = founded_on
        return status, random_day(self.rng, low, LAST_DAY)

    def capital(self, scale):
        low, high, step = CAPITAL_RANGES[scale]
        amount = Decimal(self.rng.randrange(low, high + 1, step))
        if self.rng.random() < 0.12:
            amount += Decimal(self.rng.randrange(1, 10000)) / 10000
        return amount.quantize(WAN)

    def tags(self, theme, section, scale):
        rng = self.rng
        big = scale in (EnterpriseScaleChoices.LARGE, EnterpriseScaleChoices.MEDIUM)
        industrial = section in INDUSTRIAL_SECTIONS
        tags = []
        above_line = {"large": 0.95, "medium": 0.6, "small": 0.12}.get(scale, 0.0)
        if industrial and rng.random() < above_line:
            tags.append("规上")
        if theme in TECH_THEMES:
            if rng.random() < (0.3 if big else 0.08):
                tags.append("高新技术企业")
            if not big and rng.random() < 0.12:
                tags.append("科技型中小企业")
        if section == "C" and scale in ("small", "medium") and rng.random() < 0.05:
            tags.append("专精特新")
        if section == "C" and rng.random() < self.spec.export_share:
            tags.append("外贸")
        return tags

    def contacts(self):
        rng = self.rng
        count = 1 if rng.random() < 0.6 else 2
        return [
            ContactPlan(person_name(rng), rng.choice(TITLES), fake_phone(rng), is_primary=(i == 0))
            for i in range(count)
        ]


def _fits(industry_codes, section, division):
    codes = {c.strip() for c in industry_codes.split(",") if c.strip()}
    return section in codes or f"{section}{division}" in codes


def industry_sections():
    """class code -> (section, division) for every class the themes use; fails loudly on an unknown code."""
    codes = {industry.code for industries in THEMES.values() for industry in industries}
    found = {
        code: (section, division)
        for code, section, division, level in IndustryClass.objects.filter(code__in=codes).values_list(
            "code", "section", "division", "level"
        )
        if level == "class"
    }
    missing = sorted(codes - set(found))
    if missing:
        raise LookupError(f"GB/T 4754 classes missing from IndustryClass: {', '.join(missing)}")
    return found


def plan_all():
    """Every synthetic firm of every zone, in a fixed order: {zone short name: [FirmPlan, ...]}."""
    sections = industry_sections()
    regions = {
        r.code: r for r in Region.objects.filter(code__in=[s.region for s in ZONES]).select_related("parent__parent")
    }
    used_names, used_orgs = set(), set()
    plans = {}
    for spec in ZONES:
        factory = FirmFactory(
            spec, sections, address_prefix=regions[spec.region].full_name, used_names=used_names, used_orgs=used_orgs
        )
        plans[spec.short_name] = factory.plan()
    return plans


# ---------------------------------------------------------------------------------------------------------------
# Seeding
# ---------------------------------------------------------------------------------------------------------------
def _create(model, objs):
    if not objs:
        return []
    return bulk_create_with_history(objs, model, batch_size=BATCH, default_change_reason=CHANGE_REASON)


def _lead_firm(plans, park_name):
    """The park's lead firm: the largest active synthetic firm settled there (a demo name, never a real one)."""
    order = {EnterpriseScaleChoices.LARGE: 0, EnterpriseScaleChoices.MEDIUM: 1}
    candidates = [p for p in plans if p.park == park_name and p.status == EnterpriseStatusChoices.ACTIVE]
    candidates.sort(key=lambda p: (order.get(p.scale, 2), -p.registered_capital))
    return candidates[0].name if candidates else ""


@transaction.atomic
def seed_demo(*, reset_passwords=False):
    """Create whatever demo rows are missing; returns a Counter of the rows created, by kind."""
    validate_password(DEMO_PASSWORD)
    created = Counter()
    plans = plan_all()
    zones = _seed_zones(created)
    parks, departments, chains = _seed_zone_parts(zones, plans, created)
    _seed_enterprises(zones, parks, departments, chains, plans, created)
    _seed_accounts(zones, plans, created, reset_passwords=reset_passwords)
    return created


def _seed_zones(created):
    existing = {z.name: z for z in Zone.objects.filter(name__in=[s.name for s in ZONES])}
    regions = Region.objects.in_bulk([s.region for s in ZONES])
    new = [
        Zone(
            name=spec.name,
            short_name=spec.short_name,
            level=spec.level,
            kind=spec.kind,
            region=regions[spec.region],
            description=spec.description,
            is_demo=True,
        )
        for spec in ZONES
        if spec.name not in existing
    ]
    for zone in _create(Zone, new):
        existing[zone.name] = zone
    created["zone"] += len(new)
    return {spec.short_name: existing[spec.name] for spec in ZONES}


def _seed_zone_parts(zones, plans, created):
    zone_ids = [z.pk for z in zones.values()]
    have = {
        model: {(row.zone_id, row.name): row for row in model.objects.filter(zone_id__in=zone_ids)}
        for model in (Park, Department, IndustryChain)
    }
    new = {Park: [], Department: [], IndustryChain: []}
    for spec in ZONES:
        zone = zones[spec.short_name]
        for park in spec.parks:
            if (zone.pk, park.name) not in have[Park]:
                new[Park].append(
                    Park(
                        zone=zone,
                        name=park.name,
                        area_mu=Decimal(park.area_mu),
                        lead_enterprise_name=_lead_firm(plans[spec.short_name], park.name),
                        description="演示数据：园区名称、面积与龙头企业均为虚构。",
                    )
                )
        for name in spec.departments:
            if (zone.pk, name) not in have[Department]:
                new[Department].append(Department(zone=zone, name=name, domains=list(DEPARTMENTS[name])))
        for chain in spec.chains:
            if (zone.pk, chain.name) not in have[IndustryChain]:
                new[IndustryChain].append(
                    IndustryChain(
                        zone=zone,
                        name=chain.name,
                        industry_codes=chain.industry_codes,
                        description=f"{chain.description}（演示数据）",
                    )
                )
    for model, objs in new.items():
        for row in _create(model, objs):
            have[model][(row.zone_id, row.name)] = row
        created[model._meta.model_name] += len(objs)
    return have[Park], have[Department], have[IndustryChain]


def _seed_enterprises(zones, parks, departments, chains, plans, created):
    all_codes = [p.credit_code for zone_plans in plans.values() for p in zone_plans]
    existing = set()
    for start in range(0, len(all_codes), BATCH):
        chunk = all_codes[start : start + BATCH]
        existing.update(Enterprise.objects.filter(credit_code__in=chunk).values_list("credit_code", flat=True))
    _backfill_liaison(departments, plans, existing, created)

    tags = {}
    for name in TAGS:
        tags[name], made = Tag.objects.get_or_create(name=name)
        created["tag"] += made

    todo, firms = [], []
    for spec in ZONES:
        zone = zones[spec.short_name]
        for plan in plans[spec.short_name]:
            if plan.credit_code in existing:
                continue
            park = parks.get((zone.pk, plan.park)) if plan.park else None
            todo.append(plan)
            firms.append(
                Enterprise(
                    credit_code=plan.credit_code,
                    name=plan.name,
                    zone=zone,
                    park=park,
                    service_department=departments.get((zone.pk, plan.liaison)),
                    industry_id=plan.industry,
                    region_id=spec.region,
                    address=plan.address,
                    legal_representative=plan.legal_representative,
                    founded_on=plan.founded_on,
                    registered_capital=plan.registered_capital,
                    scale=plan.scale,
                    status=plan.status,
                    status_changed_on=plan.status_changed_on,
                    main_products=plan.main_products,
                    description="演示数据，非真实企业。",
                    is_demo=True,
                )
            )
    if not firms:
        return
    firms = _create(Enterprise, firms)
    created["enterprise"] += len(firms)

    contacts = [
        Contact(enterprise=firm, name=c.name, title=c.title, phone=c.phone, is_primary=c.is_primary)
        for firm, plan in zip(firms, todo, strict=True)
        for c in plan.contacts
    ]
    _create(Contact, contacts)
    created["contact"] += len(contacts)

    tag_rows, chain_rows = [], []
    TagLink, ChainLink = Enterprise.tags.through, Enterprise.chains.through
    for firm, plan in zip(firms, todo, strict=True):
        tag_rows += [TagLink(enterprise_id=firm.pk, tag_id=tags[name].pk) for name in plan.tags]
        chain_rows += [
            ChainLink(enterprise_id=firm.pk, industrychain_id=chains[(firm.zone_id, name)].pk) for name in plan.chains
        ]
    tag_rows = TagLink.objects.bulk_create(tag_rows, batch_size=BATCH)
    chain_rows = ChainLink.objects.bulk_create(chain_rows, batch_size=BATCH)
    created["enterprise_tag"] += len(tag_rows)
    created["enterprise_chain"] += len(chain_rows)
    _snapshot_m2m_history([f.pk for f in firms], {"tags": tag_rows, "chains": chain_rows})


def _backfill_liaison(departments, plans, existing, created):
    """Demo firms seeded before the 包联部门 existed get their planned department (in their current zone), with a
    history entry. A firm that ever had a department keeps whatever it has now."""
    liaison = {p.credit_code: p.liaison for zone_plans in plans.values() for p in zone_plans if p.liaison}
    codes = sorted(existing & set(liaison))
    firms = []
    for start in range(0, len(codes), BATCH):
        chunk = codes[start : start + BATCH]
        firms += Enterprise.objects.filter(credit_code__in=chunk, is_demo=True, service_department__isnull=True)
    if not firms:
        return
    had = set()
    ids = [firm.pk for firm in firms]
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        had.update(
            Enterprise.history.filter(id__in=chunk, service_department__isnull=False).values_list("id", flat=True)
        )
    todo, now = [], timezone.now()
    for firm in firms:
        department = departments.get((firm.zone_id, liaison[firm.credit_code]))
        if firm.pk not in had and department is not None:
            firm.service_department, firm.updated_at = department, now
            todo.append(firm)
    if todo:
        Enterprise.objects.bulk_update(todo, ["service_department", "updated_at"], batch_size=BATCH)
        bulk_history(Enterprise, todo, user=None, reason=CHANGE_REASON, update=True)  # with the tags and chains
    created["enterprise_liaison"] += len(todo)


def _snapshot_m2m_history(firm_ids, links):
    """Put the tags and chains into each firm's initial history entry, as simple_history does on a normal save,
    so a later edit's diff does not attribute them to the editor."""
    history_ids = {}
    for start in range(0, len(firm_ids), BATCH):
        chunk = firm_ids[start : start + BATCH]
        history_ids.update(Enterprise.history.filter(id__in=chunk, history_type="+").values_list("id", "history_id"))
    for field_name, rows in links.items():
        HistoryLink = apps.get_model("enterprises", f"HistoricalEnterprise_{field_name}")
        columns = [f.attname for f in rows[0]._meta.fields] if rows else []
        HistoryLink.objects.bulk_create(
            [
                HistoryLink(history_id=history_ids[row.enterprise_id], **{c: getattr(row, c) for c in columns})
                for row in rows
            ],
            batch_size=BATCH,
        )


def _seed_accounts(zones, plans, created, *, reset_passwords):
    first_firms = {short_name: zone_plans[0].credit_code for short_name, zone_plans in plans.items()}
    existing = {u.username: u for u in User.objects.filter(username__in=[a["username"] for a in DEMO_ACCOUNTS])}
    for account in DEMO_ACCOUNTS:
        grant = _grant(account, zones, first_firms)
        user = existing.get(account["username"])
        if user is None:
            user = account_services.create_user(
                actor=None,
                username=account["username"],
                password=DEMO_PASSWORD,
                display_name=account["display_name"],
                memberships=[grant],
            )
            created["user"] += 1
            created["membership"] += 1
        else:
            if not user.memberships.filter(role=account["role"]).exists():
                account_services.grant_role(actor=None, user=user, **grant)
                created["membership"] += 1
            if not reset_passwords:
                continue
            user.set_password(DEMO_PASSWORD)
        # Demo accounts work at once: no forced change at first login.
        user.must_change_password = False
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "must_change_password", "password_changed_at"])


def _grant(account, zones, first_firms):
    scope = account["scope"]
    grant = {"role": account["role"]}
    if "zone" in scope:
        grant["zone"] = zones[scope["zone"]]
    if "department" in scope:
        grant["department"] = Department.objects.get(zone=grant["zone"], name=scope["department"])
    if scope.get("enterprise") == FIRST_DEMO_FIRM:
        grant["enterprise"] = Enterprise.objects.get(credit_code=first_firms[scope["zone"]])
    if "region" in scope:
        grant["region"] = Region.objects.get(code=scope["region"])
    if account["role"] == RoleChoices.ENTERPRISE_USER:
        grant.pop("zone", None)  # Membership.clean takes the zone from the enterprise
    return grant
