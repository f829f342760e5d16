"""Demo organisation (DESIGN.md §8): the regions, units and users of a county, a city or a province.

The `demo` management command runs one step per app. Each step is a pair of functions: `build(rng, scale,
ctx)` adds that app's demo rows, `reset(ctx)` deletes them again. Steps pass what they built to later steps
through the DemoContext (e.g. enterprises need the counties, their leaders and cadres), so no step has to
query back what an earlier one made. Everything is bulk-inserted: the province scale is 60,000 users.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import accumulate

from django.contrib.auth.hashers import make_password
from django.db.models import Model

from accounts.models import Region, Role, Unit, User, UserRole
from core.models import tree_path

BATCH = 1000
DEFAULT_PASSWORD = "zhuqi-demo-2026"
PASSWORD_ENV = "ZHUQI_DEMO_PASSWORD"
# Demo logins carry this mark in their e-mail address, so that `demo_logins` never prints a password
# next to an account someone else created with the same user name (e.g. a real `admin`).
DEMO_EMAIL_DOMAIN = "demo.zhuqi.invalid"
DEMO_COUNTY_CODE = "430522"  # 新邵县 (seed 000): present at every scale, home of the demo logins

# The fixed demo logins, one per role, in the order `demo_logins` prints them.
LOGINS: list[tuple[str, str]] = [
    ("admin", "superuser"),
    ("office", Role.OFFICE),
    ("leader", Role.LEADER),
    ("unit_head", Role.UNIT_HEAD),
    ("handler", Role.UNIT_HANDLER),
    ("cadre", Role.CADRE),
    ("enterprise", Role.ENTERPRISE),
    ("auditor", Role.AUDITOR),
]


def demo_email(username: str) -> str:
    return f"{username}@{DEMO_EMAIL_DOMAIN}"


@dataclass(frozen=True)
class Scale:
    """How big a demo jurisdiction is. Later steps read their own sizes from here (add fields as needed)."""

    name: str
    users: int  # every account, enterprise users included
    enterprises: int
    enterprise_users: int
    # Enterprises with a linkage (包联) this year: every key enterprise (about 8 %) and more above-scale and
    # small ones, about what a county's cadres can visit monthly (seed 002: 37,279 enterprises, 5,341 cadres).
    linked_share: float = 0.3
    figure_months: int = 24  # months of operating figures per enterprise, ending last month
    # Ordinary small enterprises with figures (above-scale, key, tagged and near-the-line ones always have
    # them): the province reports for fewer, so that its build stays near a quarter of an hour.
    figure_share: float = 1.0


SCALES: dict[str, Scale] = {
    "county": Scale("county", users=500, enterprises=5_000, enterprise_users=60),
    "city": Scale("city", users=6_000, enterprises=40_000, enterprise_users=500),
    "province": Scale("province", users=60_000, enterprises=500_000, enterprise_users=3_000, figure_share=0.4),
}


@dataclass
class Jurisdiction:
    """One government level of the demo (province, city or county) and its units and people."""

    region: Region
    word: str  # 省, 市, 州, 县 or 区: the word unit names and titles are built from
    prefix: str  # "县" for the root of the demo, else the place name ("新邵县"), as unit names read
    short: str  # "新邵"
    parent: Jurisdiction | None = None
    government: Unit | None = None
    office: Unit | None = None
    inspection: Unit | None = None
    departments: dict[str, Unit] = field(default_factory=dict)
    task_forces: list[Unit] = field(default_factory=list)
    townships: list[Region] = field(default_factory=list)
    parks: list[Region] = field(default_factory=list)
    territorial: dict[int, Unit] = field(default_factory=dict)  # id(region) → its township or park unit
    # What enterprise names here start with: the county, its short name, the city, 湖南, the area (湘中).
    name_words: tuple[str, ...] = ()
    leaders: list[User] = field(default_factory=list)
    cadres: list[User] = field(default_factory=list)
    cadres_by_unit: dict[int, list[User]] = field(default_factory=lambda: defaultdict(list))  # id(unit) → cadres

    @property
    def is_county(self) -> bool:
        return self.region.level == Region.Level.COUNTY

    def territory_unit(self, region: Region) -> Unit:
        return self.territorial[id(region)]


@dataclass
class Organisation:
    root: Jurisdiction
    jurisdictions: list[Jurisdiction]
    regions: list[Region]
    units: list[Unit]
    users: list[User]

    @property
    def counties(self) -> list[Jurisdiction]:
        return [j for j in self.jurisdictions if j.is_county]

    @property
    def demo_county(self) -> Jurisdiction:
        return next(j for j in self.jurisdictions if j.region.code == DEMO_COUNTY_CODE)


@dataclass
class DemoContext:
    """What one run of the `demo` command shares between its steps."""

    seed: int
    password: str
    log: Callable[[str], None] = print
    password_hash: str = ""
    org: Organisation | None = None
    logins: dict[str, User] = field(default_factory=dict)
    taken_logins: set[str] = field(default_factory=set)  # login names held by accounts the demo did not make
    started: float = field(default_factory=time.monotonic)
    _next_user: int = 0

    def __post_init__(self):
        # Hashed once: a slow hasher (Argon2) per row would take hours at province scale.
        if not self.password_hash:
            self.password_hash = make_password(self.password)

    def new_username(self) -> str:
        self._next_user += 1
        return f"u{self._next_user:06d}"

    def make_login(self, username: str, user: User) -> None:
        """Turn a generated user into a fixed demo login (same password, so the same hash will do)."""
        if username in self.taken_logins:
            self.progress(f"an account named {username!r} that the demo did not create exists: left as it is")
            return
        user.username = username
        user.email = demo_email(username)
        user.password = self.password_hash
        self.logins[username] = user

    def progress(self, message: str) -> None:
        self.log(f"[{time.monotonic() - self.started:7.1f}s] {message}")


# --- Geography -----------------------------------------------------------------------------------------

PROVINCE = ("430000", "湖南省")

# Hunan's prefecture-level cities and their county-level divisions, GB/T 2260 codes as of 2021
# (宁乡市 430182, 渌口区 430212, 邵东市 430582 and 祁阳市 431181 carry their post-2017 codes).
# (code, official name, name used in unit names, short name, the regional words enterprise names use)
CITIES: list[tuple[str, str, str, str, tuple[str, ...]]] = [
    ("430100", "长沙市", "长沙市", "长沙", ("长沙", "湖南", "星城")),
    ("430200", "株洲市", "株洲市", "株洲", ("株洲", "湖南", "长株潭")),
    ("430300", "湘潭市", "湘潭市", "湘潭", ("湘潭", "湖南", "湘中")),
    ("430400", "衡阳市", "衡阳市", "衡阳", ("衡阳", "湖南", "湘南")),
    ("430500", "邵阳市", "邵阳市", "邵阳", ("邵阳", "湖南", "湘中")),
    ("430600", "岳阳市", "岳阳市", "岳阳", ("岳阳", "湖南", "洞庭")),
    ("430700", "常德市", "常德市", "常德", ("常德", "湖南", "湘北")),
    ("430800", "张家界市", "张家界市", "张家界", ("张家界", "湖南", "湘西北")),
    ("430900", "益阳市", "益阳市", "益阳", ("益阳", "湖南", "洞庭")),
    ("431000", "郴州市", "郴州市", "郴州", ("郴州", "湖南", "湘南")),
    ("431100", "永州市", "永州市", "永州", ("永州", "湖南", "湘南")),
    ("431200", "怀化市", "怀化市", "怀化", ("怀化", "湖南", "湘西")),
    ("431300", "娄底市", "娄底市", "娄底", ("娄底", "湖南", "湘中")),
    ("433100", "湘西土家族苗族自治州", "湘西州", "湘西", ("湘西", "湖南", "武陵山")),
]

COUNTIES: dict[str, list[tuple[str, str]]] = {
    "430100": [
        ("430102", "芙蓉区"),
        ("430103", "天心区"),
        ("430104", "岳麓区"),
        ("430105", "开福区"),
        ("430111", "雨花区"),
        ("430112", "望城区"),
        ("430121", "长沙县"),
        ("430181", "浏阳市"),
        ("430182", "宁乡市"),
    ],
    "430200": [
        ("430202", "荷塘区"),
        ("430203", "芦淞区"),
        ("430204", "石峰区"),
        ("430211", "天元区"),
        ("430212", "渌口区"),
        ("430223", "攸县"),
        ("430224", "茶陵县"),
        ("430225", "炎陵县"),
        ("430281", "醴陵市"),
    ],
    "430300": [
        ("430302", "雨湖区"),
        ("430304", "岳塘区"),
        ("430321", "湘潭县"),
        ("430381", "湘乡市"),
        ("430382", "韶山市"),
    ],
    "430400": [
        ("430405", "珠晖区"),
        ("430406", "雁峰区"),
        ("430407", "石鼓区"),
        ("430408", "蒸湘区"),
        ("430412", "南岳区"),
        ("430421", "衡阳县"),
        ("430422", "衡南县"),
        ("430423", "衡山县"),
        ("430424", "衡东县"),
        ("430426", "祁东县"),
        ("430481", "耒阳市"),
        ("430482", "常宁市"),
    ],
    "430500": [
        ("430502", "双清区"),
        ("430503", "大祥区"),
        ("430511", "北塔区"),
        ("430522", "新邵县"),
        ("430523", "邵阳县"),
        ("430524", "隆回县"),
        ("430525", "洞口县"),
        ("430527", "绥宁县"),
        ("430528", "新宁县"),
        ("430529", "城步苗族自治县"),
        ("430581", "武冈市"),
        ("430582", "邵东市"),
    ],
    "430600": [
        ("430602", "岳阳楼区"),
        ("430603", "云溪区"),
        ("430611", "君山区"),
        ("430621", "岳阳县"),
        ("430623", "华容县"),
        ("430624", "湘阴县"),
        ("430626", "平江县"),
        ("430681", "汨罗市"),
        ("430682", "临湘市"),
    ],
    "430700": [
        ("430702", "武陵区"),
        ("430703", "鼎城区"),
        ("430721", "安乡县"),
        ("430722", "汉寿县"),
        ("430723", "澧县"),
        ("430724", "临澧县"),
        ("430725", "桃源县"),
        ("430726", "石门县"),
        ("430781", "津市市"),
    ],
    "430800": [("430802", "永定区"), ("430811", "武陵源区"), ("430821", "慈利县"), ("430822", "桑植县")],
    "430900": [
        ("430902", "资阳区"),
        ("430903", "赫山区"),
        ("430921", "南县"),
        ("430922", "桃江县"),
        ("430923", "安化县"),
        ("430981", "沅江市"),
    ],
    "431000": [
        ("431002", "北湖区"),
        ("431003", "苏仙区"),
        ("431021", "桂阳县"),
        ("431022", "宜章县"),
        ("431023", "永兴县"),
        ("431024", "嘉禾县"),
        ("431025", "临武县"),
        ("431026", "汝城县"),
        ("431027", "桂东县"),
        ("431028", "安仁县"),
        ("431081", "资兴市"),
    ],
    "431100": [
        ("431102", "零陵区"),
        ("431103", "冷水滩区"),
        ("431122", "东安县"),
        ("431123", "双牌县"),
        ("431124", "道县"),
        ("431125", "江永县"),
        ("431126", "宁远县"),
        ("431127", "蓝山县"),
        ("431128", "新田县"),
        ("431129", "江华瑶族自治县"),
        ("431181", "祁阳市"),
    ],
    "431200": [
        ("431202", "鹤城区"),
        ("431221", "中方县"),
        ("431222", "沅陵县"),
        ("431223", "辰溪县"),
        ("431224", "溆浦县"),
        ("431225", "会同县"),
        ("431226", "麻阳苗族自治县"),
        ("431227", "新晃侗族自治县"),
        ("431228", "芷江侗族自治县"),
        ("431229", "靖州苗族侗族自治县"),
        ("431230", "通道侗族自治县"),
        ("431281", "洪江市"),
    ],
    "431300": [
        ("431302", "娄星区"),
        ("431321", "双峰县"),
        ("431322", "新化县"),
        ("431381", "冷水江市"),
        ("431382", "涟源市"),
    ],
    "433100": [
        ("433101", "吉首市"),
        ("433122", "泸溪县"),
        ("433123", "凤凰县"),
        ("433124", "花垣县"),
        ("433125", "保靖县"),
        ("433126", "古丈县"),
        ("433127", "永顺县"),
        ("433130", "龙山县"),
    ],
}


def _split(words: str) -> list[str]:
    return words.split()


# 新邵县's towns and townships (13 镇, 2 乡) and the parks its assessment names (seed 000, Annex 2).
XINSHAO_TOWNSHIPS = [
    "酿溪镇",
    "雀塘镇",
    "严塘镇",
    "陈家坊镇",
    "巨口铺镇",
    "坪上镇",
    "龙溪铺镇",
    "太芝庙镇",
    "寸石镇",
    "潭溪镇",
    "新田铺镇",
    "大新镇",
    "小塘镇",
    "迎光乡",
    "潭府乡",
]
XINSHAO_PARKS = ["新邵经济开发区", "雀塘循环经济产业园"]

TOWNSHIP_ROOTS = _split(
    "白沙 石桥 黄土 龙潭 金塘 桃花 青山 长乐 太平 高坪 马田 大坪 清水 双江 水口 花桥 杨柳 梅田 荷叶 东山 "
    "南山 金石 板桥 杉山 白马 黄沙 横江 鹤岭 罗市 枫林 桐木 松林 竹山 茶园 兴隆 永丰 三塘 四都 五里 六合 "
    "七星 八里 九公 十里 塘湾 洪桥 大桥 小河 沙坪 麻塘 柳山 桂花 梅林 樟树 杨家 李家 王家 刘家 周家 谢家 "
    "邓家 肖家 黄家 花园 锦江 石羊 金江 牛田 鸭田 井头 山口 岩口 溪口 江口 渡口 塘田 岭头 坪塘 石湾 白果 "
    "黄桥 檀山 毛塘 新桥 太和 文昌 朝阳 向阳 红星 光明 长塘 栗山 茅坪 高桥 石江 铁山 马家 官庄 青树 古楼 "
    "中和 长岭 回龙 罗江 泉塘 荷花 茶山 金鸡 龙口 天堂 万福 观音 桥头 新塘 团山 杨桥 东湖 西渡 龙田 合兴"
)
STREET_ROOTS = _split(
    "城东 城西 城南 城北 中山 人民 解放 新华 建设 东风 五一 红旗 友谊 文化 滨江 湘江 迎宾 车站 书院 "
    "金桥 桂园 东塘 南湖 北正 西湖 望月 新城 高新 江北 江南"
)
PARK_KINDS = ["经济开发区", "经济开发区", "高新技术产业开发区", "工业集中区"]
TASK_FORCE_INDUSTRIES = [
    "新材料",
    "电子信息",
    "装备制造",
    "食品加工",
    "生物医药",
    "纺织服装",
    "绿色建材",
    "有色金属",
    "现代农业",
]

# (code, county-level name, city-level name, province-level name); None: the level has no such unit.
DEPARTMENTS: list[tuple[str, str, str | None, str | None]] = [
    ("FGJ", "{p}发改局", "{p}发改委", "省发展改革委"),
    ("GXJ", "{p}工信局", "{p}工信局", "省工业和信息化厅"),
    ("KJJ", "{p}科技局", "{p}科技局", "省科技厅"),
    ("CZJ", "{p}财政局", "{p}财政局", "省财政厅"),
    ("RSJ", "{p}人社局", "{p}人社局", "省人力资源社会保障厅"),
    ("ZRJ", "{p}自然资源局", "{p}自然资源和规划局", "省自然资源厅"),
    ("HBJ", "{p}生态环境局", "{p}生态环境局", "省生态环境厅"),
    ("ZJJ", "{p}住建局", "{p}住建局", "省住房城乡建设厅"),
    ("JTJ", "{p}交通运输局", "{p}交通运输局", "省交通运输厅"),
    ("SLJ", "{p}水利局", None, None),
    ("NYJ", "{p}农业农村局", "{p}农业农村局", None),
    ("SWJ", "{p}商务局", "{p}商务局", "省商务厅"),
    ("SJJ", "{p}市场监管局", "{p}市场监管局", "省市场监管局"),
    ("YJJ", "{p}应急管理局", "{p}应急管理局", "省应急管理厅"),
    ("TJJ", "{p}统计局", None, None),
    ("SPJ", "{p}行政审批服务局", None, None),
    ("SWU", "{p}税务局", "{p}税务局", "国家税务总局湖南省税务局"),
    ("JRB", "{p}金融办", "{p}金融办", "省地方金融管理局"),
    ("RMYH", "人民银行{p}支行", "人民银行{p}分行", "人民银行湖南省分行"),
    ("GDGS", "{p}供电公司", "{p}供电公司", "国网湖南省电力有限公司"),
    ("GAJ", "{p}公安局", None, None),
    ("CGJ", "{p}城管局", None, None),
    ("WLJ", "{p}文旅广体局", None, None),
    ("YBJ", "{p}医保局", None, None),
    ("SFJ", "{p}司法局", None, None),
]
# Sub-units (股室) of the county industry bureau: they give unit heads a tree to see below them.
GXJ_SECTIONS = [("ZXQY", "中小企业股"), ("JJYX", "经济运行股")]

# --- People --------------------------------------------------------------------------------------------

# About 100 surnames with rough national frequencies (percent), so 王李张刘陈 dominate as they do.
SURNAMES: list[tuple[str, float]] = [
    ("王", 7.1),
    ("李", 7.0),
    ("张", 6.8),
    ("刘", 5.4),
    ("陈", 4.5),
    ("杨", 3.1),
    ("黄", 2.2),
    ("赵", 2.0),
    ("吴", 1.9),
    ("周", 1.9),
    ("徐", 1.3),
    ("孙", 1.2),
    ("马", 1.2),
    ("朱", 1.1),
    ("胡", 1.0),
    ("郭", 1.0),
    ("何", 0.9),
    ("高", 0.9),
    ("林", 0.9),
    ("罗", 0.8),
    ("郑", 0.8),
    ("梁", 0.7),
    ("谢", 0.6),
    ("宋", 0.6),
    ("唐", 0.6),
    ("许", 0.5),
    ("韩", 0.5),
    ("冯", 0.5),
    ("邓", 0.5),
    ("曹", 0.5),
    ("彭", 0.5),
    ("曾", 0.5),
    ("肖", 0.5),
    ("田", 0.4),
    ("董", 0.4),
    ("袁", 0.4),
    ("潘", 0.4),
    ("于", 0.4),
    ("蒋", 0.4),
    ("蔡", 0.4),
    ("余", 0.4),
    ("杜", 0.4),
    ("叶", 0.4),
    ("程", 0.4),
    ("苏", 0.3),
    ("魏", 0.3),
    ("吕", 0.3),
    ("丁", 0.3),
    ("任", 0.3),
    ("沈", 0.3),
    ("姚", 0.3),
    ("卢", 0.3),
    ("姜", 0.3),
    ("崔", 0.3),
    ("钟", 0.3),
    ("谭", 0.3),
    ("陆", 0.3),
    ("汪", 0.3),
    ("范", 0.3),
    ("金", 0.3),
    ("石", 0.3),
    ("廖", 0.3),
    ("贾", 0.3),
    ("夏", 0.3),
    ("韦", 0.2),
    ("付", 0.2),
    ("方", 0.2),
    ("白", 0.2),
    ("邹", 0.2),
    ("孟", 0.2),
    ("熊", 0.2),
    ("秦", 0.2),
    ("邱", 0.2),
    ("江", 0.2),
    ("尹", 0.2),
    ("薛", 0.2),
    ("闫", 0.2),
    ("段", 0.2),
    ("雷", 0.2),
    ("侯", 0.2),
    ("龙", 0.2),
    ("史", 0.2),
    ("陶", 0.2),
    ("黎", 0.2),
    ("贺", 0.2),
    ("顾", 0.2),
    ("毛", 0.2),
    ("郝", 0.2),
    ("龚", 0.2),
    ("邵", 0.2),
    ("万", 0.2),
    ("钱", 0.2),
    ("严", 0.2),
    ("覃", 0.1),
    ("武", 0.1),
    ("戴", 0.1),
    ("莫", 0.1),
    ("孔", 0.1),
    ("向", 0.1),
    ("汤", 0.1),
    ("欧阳", 0.1),
]
_SURNAME_CHARS = [s for s, _ in SURNAMES]
_SURNAME_CUM = list(accumulate(w for _, w in SURNAMES))
GIVEN_CHARS = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林阳建国志文海东峰亮成晨博立新春荣"
    "芳娜敏静丽艳娟霞燕玲婷雪琳慧颖洁倩红梅萍莉兰丹佳欣悦晶蓉薇秀英桂珍云湘振兴德"
)
MOBILE_PREFIXES = _split(
    "130 131 132 133 134 135 136 137 138 139 147 150 151 152 153 155 156 157 158 159 166 173 175 176 177 "
    "178 180 181 182 183 184 185 186 187 188 189 191 193 195 198 199"
)

STAFF_TITLES = ["科员", "一级科员", "四级主任科员", "二级主任科员", "股长", "副股长", "办公室主任"]
TOWNSHIP_STAFF_TITLES = ["科员", "党政办主任", "经济发展办主任", "企业服务站站长", "党委委员", "驻企联络员"]


class People:
    """Names, titles and mobile numbers, drawn from one rng so a seed gives the same people."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._phones: set[str] = set()

    def name(self) -> str:
        rng = self.rng
        surname = rng.choices(_SURNAME_CHARS, cum_weights=_SURNAME_CUM)[0]
        given = rng.choice(GIVEN_CHARS) + (rng.choice(GIVEN_CHARS) if rng.random() < 0.65 else "")
        return surname + given

    def phone(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self._phones:
                self._phones.add(number)
                return number


def head_title(unit_name: str) -> str:
    for suffix, title in (
        ("厅", "厅长"),
        ("委", "主任"),
        ("办", "主任"),
        ("支行", "行长"),
        ("分行", "行长"),
        ("公司", "总经理"),
        ("镇人民政府", "镇长"),
        ("乡人民政府", "乡长"),
        ("办事处", "主任"),
        ("管委会", "主任"),
        ("专班", "专班负责人"),
        ("股", "股长"),
        ("督查室", "主任"),
    ):
        if unit_name.endswith(suffix):
            return title
    return "局长"


# --- Building ------------------------------------------------------------------------------------------


def _node(model: type[Model], parent, **fields):
    node = model(parent=parent, **fields)
    node.depth = parent.depth + 1 if parent is not None else 0
    return node


def insert_tree(model: type[Model], nodes: list) -> None:
    """Bulk-insert tree nodes whose `parent` attributes point at other nodes of the list, level by level,
    then write the materialised paths that TreeNode.save() would have written (bulk_create bypasses it)."""
    by_depth: dict[int, list] = defaultdict(list)
    for node in nodes:
        by_depth[node.depth].append(node)
    for depth in sorted(by_depth):
        level = by_depth[depth]
        model.objects.bulk_create(level, batch_size=BATCH)
        for node in level:
            node.path = tree_path(node.parent.path if node.parent is not None else None, node.pk)
        model.objects.bulk_update(level, ["path"], batch_size=BATCH)


def _county_word(name: str) -> str:
    return name[-1]  # 县, 区 or 市


def _county_prefix(name: str) -> str:
    # Autonomous counties go by their short form in unit names: 城步苗族自治县 → 城步县.
    return name[:2] + "县" if "自治县" in name else name


def _county_short(name: str) -> str:
    if "自治" in name:
        return name[:2]
    return name if len(name) == 2 else name[:-1]


def _regions(rng: random.Random, scale: Scale) -> tuple[list[Region], list[Jurisdiction]]:
    """The region tree of the scale, and one Jurisdiction per government level, root first."""
    regions: list[Region] = []

    def region(parent, code, name, level):
        node = _node(Region, parent, code=code, name=name, level=level)
        regions.append(node)
        return node

    province = region(None, PROVINCE[0], PROVINCE[1], Region.Level.PROVINCE)
    jurisdictions: list[Jurisdiction] = []
    if scale.name == "province":
        root = Jurisdiction(province, "省", "省", "湖南")
        jurisdictions.append(root)
        cities = CITIES
    else:
        root = None
        cities = [c for c in CITIES if c[0] == DEMO_COUNTY_CODE[:4] + "00"]
    for code, name, prefix, short, words in cities:
        city_region = region(province, code, name, Region.Level.CITY)
        city = None
        if scale.name != "county":
            word = "州" if name.endswith("州") else "市"
            city = Jurisdiction(city_region, word, word if root is None else prefix, short, parent=root)
            jurisdictions.append(city)
        counties = COUNTIES[code] if scale.name != "county" else [(DEMO_COUNTY_CODE, "新邵县")]
        for county_code, county_name in counties:
            county_region = region(city_region, county_code, county_name, Region.Level.COUNTY)
            is_root = city is None
            county = Jurisdiction(
                county_region,
                _county_word(county_name),
                _county_word(county_name) if is_root else _county_prefix(county_name),
                _county_short(county_name),
                parent=city,
                name_words=(_county_prefix(county_name), _county_short(county_name), *words),
            )
            jurisdictions.append(county)
            _townships(rng, county, region)
    return regions, jurisdictions


def _townships(rng: random.Random, county: Jurisdiction, region: Callable) -> None:
    """Townships and parks with the statistics office's 9-digit codes: streets 0xx, towns 1xx,
    townships 2xx, and parks in the 4xx range kept for special areas."""
    code = county.region.code
    if code == DEMO_COUNTY_CODE:
        names = list(XINSHAO_TOWNSHIPS)
        parks = list(XINSHAO_PARKS)
    else:
        is_district = county.word == "区"
        streets = rng.randint(5, 9) if is_district else rng.randint(1, 3) if county.word == "市" else rng.randint(0, 2)
        towns = rng.randint(2, 5) if is_district else rng.randint(8, 13)
        xiang = 0 if is_district else rng.randint(1, 4)
        roots = rng.sample(TOWNSHIP_ROOTS, towns + xiang)
        names = [f"{s}街道" for s in rng.sample(STREET_ROOTS, streets)]
        names += [f"{r}镇" for r in roots[:towns]] + [f"{r}乡" for r in roots[towns:]]
        parks = [county.short + rng.choice(PARK_KINDS)]
        if rng.random() < 0.3:
            parks.append(county.short + rng.choice(TOWNSHIP_ROOTS) + "产业园")
    serial = {"街道": 1, "镇": 100, "乡": 200}
    for name in names:
        kind = "街道" if name.endswith("街道") else name[-1]
        county.townships.append(region(county.region, f"{code}{serial[kind]:03d}", name, Region.Level.TOWNSHIP))
        serial[kind] += 1
    for number, name in enumerate(parks):
        county.parks.append(region(county.region, f"{code}{400 + number}", name, Region.Level.TOWNSHIP))


def _units(rng: random.Random, jurisdictions: list[Jurisdiction]) -> list[Unit]:
    """Per government level: the government (root of its subtree), the coordinating office, the
    inspection office, the departments, three industry task forces, and the township and park units;
    a county's government hangs under its city's, a city's under the province's."""
    units: list[Unit] = []

    for j in jurisdictions:
        code, p = j.region.code, j.prefix

        def unit(suffix, name, kind, region=None, parent=None, j=j, code=code):
            node = _node(Unit, parent, code=f"{code}-{suffix}", name=name, kind=kind, region=region or j.region)
            units.append(node)
            return node

        j.government = unit(
            "GOV", f"{j.region.name}人民政府", Unit.Kind.GOVERNMENT, parent=j.parent.government if j.parent else None
        )
        gov = j.government
        j.office = unit("ZQB", f"{p}助企办", Unit.Kind.OFFICE, parent=gov)
        j.inspection = unit("DCS", f"{p}政府督查室", Unit.Kind.OTHER, parent=gov)
        column = 0 if j.is_county else 1 if j.region.level == Region.Level.CITY else 2
        for dept_code, *templates in DEPARTMENTS:
            if templates[column] is not None:
                j.departments[dept_code] = unit(
                    dept_code, templates[column].format(p=p), Unit.Kind.DEPARTMENT, parent=gov
                )
        if j.is_county:
            gxj = j.departments["GXJ"]
            for section_code, section in GXJ_SECTIONS:
                j.departments[f"GXJ-{section_code}"] = unit(
                    f"GXJ-{section_code}", gxj.name + section, Unit.Kind.DEPARTMENT, parent=gxj
                )
        for number, industry in enumerate(rng.sample(TASK_FORCE_INDUSTRIES, 3), start=1):
            j.task_forces.append(unit(f"ZB{number}", f"{p}{industry}产业链专班", Unit.Kind.TASK_FORCE, parent=gov))
        for township in j.townships:
            name = f"{township.name}办事处" if township.name.endswith("街道") else f"{township.name}人民政府"
            j.territorial[id(township)] = unit(f"T{township.code[6:]}", name, Unit.Kind.TOWNSHIP, township, parent=gov)
        for park in j.parks:
            j.territorial[id(park)] = unit(f"P{park.code[6:]}", f"{park.name}管委会", Unit.Kind.PARK, park, parent=gov)

    siblings: dict[int, int] = defaultdict(int)
    for node in units:
        key = id(node.parent)
        node.sort_order = siblings[key]
        siblings[key] += 1
    return units


def _leader_titles(word: str) -> list[str]:
    deputy = f"副{word}长"
    return [
        f"{word}委书记",
        f"{word}长",
        f"{word}委副书记",
        f"常务{deputy}",
        deputy,
        deputy,
        deputy,
        deputy,
        f"{word}人大常委会副主任",
        f"{word}政协副主席",
    ]


@dataclass
class _Staff:
    """Users being generated, with their role and where they sit, before they are inserted."""

    people: People
    password_hash: str
    rows: list[tuple[User, str]] = field(default_factory=list)
    heads: dict[int, User] = field(default_factory=dict)  # id(unit) → head
    handlers: dict[int, list[User]] = field(default_factory=lambda: defaultdict(list))

    def add(self, unit: Unit, role: str, title: str) -> User:
        user = User(
            full_name=self.people.name(), title=title, phone=self.people.phone(), unit=unit, password=self.password_hash
        )
        self.rows.append((user, role))
        if role == Role.UNIT_HEAD:
            self.heads[id(unit)] = user
        elif role == Role.UNIT_HANDLER:
            self.handlers[id(unit)].append(user)
        return user


def _deputy(title: str) -> str:
    if title == "专班负责人":
        return "专班联络员"
    return title if title.startswith("副") else "副" + title


def _unit_staff(rng: random.Random, staff: _Staff, unit: Unit, handlers: int, titles: list[str]) -> None:
    head = head_title(unit.name)
    staff.add(unit, Role.UNIT_HEAD, head)
    pool = [*titles, _deputy(head)]
    for _ in range(handlers):
        staff.add(unit, Role.UNIT_HANDLER, rng.choice(pool))


def _users(rng: random.Random, scale: Scale, ctx: DemoContext, jurisdictions: list[Jurisdiction]) -> _Staff:
    staff = _Staff(People(rng), ctx.password_hash)
    # (unit, its jurisdiction, weight): where the linked cadres (联企干部) come from. Townships and parks
    # weigh more: they answer for every enterprise on their territory.
    cadre_homes: list[tuple[Unit, Jurisdiction, float]] = []
    for j in jurisdictions:
        for title in _leader_titles(j.word):
            j.leaders.append(staff.add(j.government, Role.LEADER, title))
        staff.add(j.office, Role.OFFICE, "主任")
        for title in ("副主任", "综合股股长", "科员"):
            staff.add(j.office, Role.OFFICE, title)
        staff.add(j.inspection, Role.AUDITOR, "主任")
        staff.add(j.inspection, Role.AUDITOR, "督查专员")
        for code, dept in j.departments.items():
            sub_unit = "-" in code
            _unit_staff(rng, staff, dept, 1 if sub_unit else rng.randint(1, 3), STAFF_TITLES)
            cadre_homes.append((dept, j, 1.0 if j.is_county else 0.3))
        for task_force in j.task_forces:
            _unit_staff(rng, staff, task_force, 1, ["专班联络员"])
            cadre_homes.append((task_force, j, 0.5))
        for territorial in j.territorial.values():
            _unit_staff(rng, staff, territorial, rng.randint(1, 3), TOWNSHIP_STAFF_TITLES)
            cadre_homes.append((territorial, j, 2.0))
        if j.is_county:
            # Every industry bureau links some enterprises itself: the demo `cadre` login is one of these.
            gxj = j.departments["GXJ"]
            cadre = staff.add(gxj, Role.CADRE, "科员")
            j.cadres.append(cadre)
            j.cadres_by_unit[id(gxj)].append(cadre)

    budget = scale.users - scale.enterprise_users - len(staff.rows)
    if budget > 0:
        homes = rng.choices(cadre_homes, weights=[w for _, _, w in cadre_homes], k=budget)
        for unit, j, _weight in homes:
            titles = TOWNSHIP_STAFF_TITLES if unit.kind in Unit.TERRITORIAL_KINDS else STAFF_TITLES
            cadre = staff.add(unit, Role.CADRE, rng.choice([*titles, _deputy(head_title(unit.name))]))
            j.cadres.append(cadre)
            j.cadres_by_unit[id(unit)].append(cadre)
    return staff


def _pick_logins(ctx: DemoContext, staff: _Staff, root: Jurisdiction, county: Jurisdiction) -> None:
    """The fixed demo logins are ordinary generated people, chosen so that each sees data: the office of
    the whole jurisdiction, and the leader, industry bureau and cadre of 新邵县."""
    gxj = county.departments["GXJ"]
    chosen = {
        "office": next(u for u, _ in staff.rows if u.unit is root.office),  # its director (主任)
        "auditor": next(u for u, r in staff.rows if r == Role.AUDITOR and u.unit is root.inspection),
        "leader": next(u for u in county.leaders if u.title == f"副{county.word}长"),
        "unit_head": staff.heads[id(gxj)],
        "handler": staff.handlers[id(gxj)][0],
        "cadre": county.cadres_by_unit[id(gxj)][0],
    }
    for username, user in chosen.items():
        ctx.make_login(username, user)


def insert_users(staff_rows: list[tuple[User, str]], ctx: DemoContext) -> None:
    """Name the generated users u000001, u000002, ... (logins keep their fixed names) and insert them
    with their roles."""
    for user, _role in staff_rows:
        if not user.username:
            user.username = ctx.new_username()
    users = [user for user, _ in staff_rows]
    User.objects.bulk_create(users, batch_size=BATCH)
    UserRole.objects.bulk_create([UserRole(user=user, role=role) for user, role in staff_rows], batch_size=BATCH)


def taken_login_names() -> set[str]:
    """Login names already used by accounts the demo did not create (superusers survive a reset)."""
    names = [name for name, _ in LOGINS]
    return {
        username
        for username, email in User.objects.filter(username__in=names).values_list("username", "email")
        if email != demo_email(username)
    }


def _admin(ctx: DemoContext, root: Jurisdiction) -> None:
    """`admin`: a superuser with the office role. A superuser survives --reset, so a demo admin from an
    earlier run is updated in place; an `admin` someone else created is never touched."""
    if "admin" in ctx.taken_logins:
        ctx.progress("an account named 'admin' that the demo did not create exists: left as it is")
        return
    user = User.objects.filter(username="admin").first()
    user = user or User(username="admin")
    user.full_name, user.title, user.unit, user.enterprise = "系统管理员", "", root.office, None
    user.is_staff = user.is_superuser = user.is_active = True
    user.email = demo_email("admin")
    user.password = ctx.password_hash
    user.save()
    UserRole.objects.get_or_create(user=user, role=Role.OFFICE)
    ctx.logins["admin"] = user


def build(rng: random.Random, scale: Scale, ctx: DemoContext) -> None:
    regions, jurisdictions = _regions(rng, scale)
    insert_tree(Region, regions)
    ctx.progress(f"regions: {len(regions):,}")

    units = _units(rng, jurisdictions)
    insert_tree(Unit, units)
    ctx.progress(f"units: {len(units):,}")

    root = jurisdictions[0]
    county = next(j for j in jurisdictions if j.region.code == DEMO_COUNTY_CODE)
    staff = _users(rng, scale, ctx, jurisdictions)
    ctx.taken_logins = taken_login_names()
    _pick_logins(ctx, staff, root, county)
    insert_users(staff.rows, ctx)
    _admin(ctx, root)
    ctx.org = Organisation(root, jurisdictions, regions, units, [user for user, _ in staff.rows])
    ctx.progress(f"users: {len(staff.rows):,} (+ admin)")


def _delete_tree(model: type[Model]) -> None:
    # Parents are PROTECTed from deletion while they have children: delete the deepest level first.
    for depth in sorted(set(model.objects.values_list("depth", flat=True)), reverse=True):
        model.objects.filter(depth=depth).delete()


def reset(ctx: DemoContext) -> None:
    """Delete every user but the superusers, then the units and regions. Steps registered after this
    one have already deleted their own rows (the command resets in reverse order)."""
    User.objects.filter(is_superuser=True).exclude(unit=None).update(unit=None)
    deleted, _ = User.objects.filter(is_superuser=False).delete()
    _delete_tree(Unit)
    _delete_tree(Region)
    ctx.progress(f"reset accounts: deleted {deleted:,} rows of users and their roles, all units and regions")
