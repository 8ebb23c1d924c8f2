"""Word lists for plausible demo data: people, places, departments, enterprises.

Data only (proper nouns and name parts, not user interface text). Frequencies are rough shares
from published surname and given-name studies, tilted towards southern Shanxi. Lists are written
as space-separated words to stay compact.
"""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _weights(text: str) -> dict[str, float]:
    """ "王:80 李:75" → {"王": 80.0, "李": 75.0}"""
    return {k: float(v) for k, v in (item.split(":") for item in text.split())}


# Surname → weight (per mille, roughly): the national top names with Shanxi's 郭, 赵, 牛, 申, 秦, 常.
SURNAMES = _weights(
    "王:80 李:75 张:70 刘:55 陈:30 杨:32 赵:40 黄:10 周:14 吴:10 郭:30 牛:10 申:9 秦:9 常:9 孙:14 "
    "马:14 朱:8 胡:9 高:15 林:4 何:6 徐:8 宋:10 韩:10 冯:8 田:10 程:8 曹:8 崔:7 范:6 贾:9 史:7 侯:6 "
    "靳:6 裴:5 焦:6 司:4 樊:5 卫:4 苗:5 原:4 董:7 梁:8 吕:6 郝:8 薛:6 武:8 段:6 任:6 姚:5 卢:4 彭:4 "
    "潘:3 袁:5 许:6 邓:4 孟:5 霍:4 白:6 石:6 闫:7 丁:5 魏:6 毕:3 茹:2 栗:3 成:4 畅:2 阎:3 路:4 "
    "皇甫:0.6 司马:0.3 上官:0.2"
)

# Given-name characters by generation (birth year from) and sex: first and second characters of
# two-character names, and the characters used alone.
# fmt: off
GIVEN: list[tuple[int, dict[str, tuple[str, str, str]]]] = [
    (0, {
        "1": ("国建志永德文保福金小红玉振天树宝春长满来", "华明军平林生忠富贵全成山强刚亮胜喜旺堂海",
              "福贵明勇林忠山旺成"),
        "2": ("秀桂玉淑凤春金翠美爱兰改月巧素", "英兰珍芳花梅荣萍霞琴娥莲香枝", "英兰娥梅珍芳"),
    }),
    (1960, {
        "1": ("建国志卫红永海晓新文小军东学向跃", "华明军平强刚东伟民林斌勇峰生忠利", "伟军勇斌强刚峰明"),
        "2": ("秀桂玉丽红晓小海春爱淑亚", "英兰珍芳华萍霞琴红梅燕娟丽敏", "红霞燕娟丽敏萍芳"),
    }),
    (1980, {
        "1": ("志晓建海宏俊文鹏国伟永少明雷", "强伟东涛鹏杰斌军磊超辉亮飞峰波", "伟涛磊鹏强超杰斌浩飞亮"),
        "2": ("晓丽海亚雪慧静俊红春美", "丽娟燕楠芳敏婷霞静艳琳玲洁", "静丽娟敏燕艳芳婷霞"),
    }),
    (1992, {
        "1": ("子浩宇俊嘉一博梓明天泽佳", "豪然航杰轩鸣宇涛博文辰睿瑞", "宇浩鑫博帅凯旭航"),
        "2": ("欣雨佳梦思诗子雅晓一可", "怡欣琪瑶雨涵萱彤婷然妍悦", "雪琪欣佳悦婷瑶"),
    }),
]
# fmt: on

# Places -------------------------------------------------------------------------------------------
PROVINCE = ("140000", "山西省", "山西")

# The 17 townships of 泽州县 (seed 001), and those of the other county-level divisions of 晋城市.
COUNTY_TOWNSHIPS: dict[str, tuple[str, ...]] = {
    "140525": _words(
        "巴公镇 北义城镇 南村镇 高都镇 大东沟镇 周村镇 犁川镇 晋庙铺镇 金村镇 下村镇 大阳镇 山河镇 "
        "柳树口镇 大箕镇 李寨乡 南岭乡 川底乡"
    ),
    "140581": _words(
        "米山镇 三甲镇 神农镇 陈区镇 北诗镇 河西镇 马村镇 野川镇 寺庄镇 建宁乡 石末乡 原村乡 永录乡 "
        "东城街道 南城街道 北城街道"
    ),
    "140522": _words(
        "凤城镇 北留镇 润城镇 町店镇 芹池镇 次营镇 横河镇 河北镇 蟒河镇 东冶镇 西河乡 演礼乡 固隆乡 "
        "董封乡 驾岭乡 白桑乡 寺头乡"
    ),
    "140524": _words(
        "崇文镇 礼义镇 附城镇 西河底镇 平城镇 杨村镇 潞城镇 秦家庄乡 夺火乡 马圪当乡 古郊乡 六泉乡"
    ),
    "140521": _words(
        "龙港镇 中村镇 郑庄镇 端氏镇 嘉峰镇 郑村镇 柿庄镇 土沃乡 张村乡 苏庄乡 胡底乡 固县乡 十里乡"
    ),
    "140502": _words("东街街道 西街街道 南街街道 北街街道 矿区街道 钟家庄街道 西上庄街道 北石店镇"),
}

# Cities of Shanxi with roughly how many county-level divisions each has (scaled up at province size).
# fmt: off
CITY_COUNTY_COUNTS = {
    "140100": 10, "140200": 10, "140300": 5, "140400": 12, "140500": 6, "140600": 6,
    "140700": 11, "140800": 13, "140900": 14, "141000": 17, "141100": 13,
}
# fmt: on

# Syllables of place names in the region; two of them and a suffix make a village or township.
PLACE_A = (
    "东西南北上下前后大小中新老高沟河石马杨王李张刘郭赵陈韩申秦常牛段焦靳郜柳槐杏桃柏松梨枣泉"
    "井山岭峪坡窑庄店寨铺堡岩川坪城"
)
PLACE_B = "庄沟河坡岭峪头底寨店铺窑掌坪湾川洼口园村社营屯堡凹圪垛峰泉井关"
VILLAGE_PREFIXES = _words(
    "东 西 南 北 上 下 前 后 大 小 中 新 高 河 石 柳 槐 杏 桃 柏 松 梨 枣 泉 马 杨 王 李 张 刘 郭 赵 "
    "陈 韩 申 秦 常 牛 段 焦 靳 郜 冯 范 岭 窑 沟 庄 水 白 黄 青 龙 凤 金 银 三 五 七 九 官 寺 庙 坡"
)
# Empty middles (plain two-character names) are written as "-".
VILLAGE_MIDDLES = tuple(
    "" if w == "-" else w
    for w in _words(
        "- - - 家 庄 河 沟 岭 峪 坡 头 底 圪 岩 村 寨 店 铺 窑 掌 坪 湾 川 洼 口 园 营 堡 凹 泉 井 山 垛"
    )
)
VILLAGE_SUFFIXES = _words("村 村 村 庄村 沟村 河村 坡村 岭村 峪村 头村 底村 寨村 铺村")
COMMUNITY_WORDS = _words(
    "凤鸣 丹河 书院 泽州 文昌 迎宾 景西 凤台 太行 白马 青莲 兰花 红星 建设 新华 阳光 康乐 和平 锦绣 "
    "花园 富康 东方 晋韵 沁园 怡馨 育才 振兴 明珠 金鼎 瑞祥 安居 翰林 长青 世纪 滨河 南关"
)
COUNTY_NAME_A = "安平宁清和永乐昌兴隆泰盛定襄阳曲汾浮沁临蒲稷夏岚偏保朔"
COUNTY_NAME_B = "阳平安城泉宁水源川乡和曲州山县德吉顺"

# County departments (县直机关).
COUNTY_DEPARTMENTS = _words(
    "县委办公室 县人大常委会办公室 县政府办公室 县政协办公室 县纪委监委 县委组织部 县委宣传部 "
    "县委统战部 县委政法委 县委机构编制委员会办公室 县委党校 县委老干部局 县发展和改革局 "
    "县工业和信息化局 县民政局 县司法局 县人力资源和社会保障局 县自然资源局 县住房和城乡建设管理局 "
    "县交通运输局 县水务局 县农业农村局 县商务局 县文化和旅游局 县卫生健康和体育局 县退役军人事务局 "
    "县应急管理局 县审计局 县市场监督管理局 县统计局 县医疗保障局 县行政审批服务管理局 县能源局 "
    "县信访局 县林业局 县总工会 共青团县委 县妇女联合会 县科学技术协会 县工商业联合会 县档案馆 "
    "县融媒体中心 县供销合作社 县气象局 县残疾人联合会 县机关事务服务中心 县乡村振兴服务中心 "
    "县农业技术推广中心 县城市管理局 县规划和自然资源综合行政执法队 县公共资源交易中心"
)
# Departments big enough for a general branch or a committee of their own: number of branches.
COUNTY_BIG_DEPARTMENTS = {"县人民法院": 4, "县公安局": 8, "县人民检察院": 2, "县税务局": 3, "县财政局": 2}
# How a county department is called one or two levels up.
UPPER_RENAMES = {
    "发展和改革局": "发展和改革委员会",
    "卫生健康和体育局": "卫生健康委员会",
    "住房和城乡建设管理局": "住房和城乡建设局",
}
PROVINCE_RENAMES = dict(
    item.split(":")
    for item in _words(
        "工业和信息化局:工业和信息化厅 民政局:民政厅 司法局:司法厅 财政局:财政厅 "
        "人力资源和社会保障局:人力资源和社会保障厅 自然资源局:自然资源厅 "
        "住房和城乡建设局:住房和城乡建设厅 交通运输局:交通运输厅 水务局:水利厅 农业农村局:农业农村厅 "
        "商务局:商务厅 文化和旅游局:文化和旅游厅 审计局:审计厅 公安局:公安厅 人民法院:高级人民法院"
    )
)
CITY_DEPARTMENTS = tuple(
    d.replace("县委", "市委").replace("县", "市", 1) for d in COUNTY_DEPARTMENTS
) + _words(
    "市委网络安全和信息化委员会办公室 市委外事工作委员会办公室 市生态环境局 市国有资产监督管理委员会 "
    "市地方金融监督管理局 市住房公积金管理中心 市中级人民法院 市人民政府驻太原办事处 市科学技术局 "
    "市体育局 市大数据应用局 市数字经济发展中心 市社会保险中心"
)
PROVINCE_DEPARTMENTS = tuple(
    d.replace("县委", "省委").replace("县", "省", 1) for d in COUNTY_DEPARTMENTS
) + _words(
    "省委网络安全和信息化委员会办公室 省委外事工作委员会办公室 省生态环境厅 省国有资产监督管理委员会 "
    "省地方金融管理局 省高级人民法院 省科学技术厅 省体育局 省大数据局 省教育厅 省人民政府驻北京办事处 "
    "省社会科学院 省农业科学院 省地质勘查局 省煤炭地质局 省人民政府研究室 省广播电视局 "
    "省粮食和物资储备局 省监狱管理局 省药品监督管理局"
)

# Schools of a county: name, and the number of branches under a general branch (0: one branch).
SCHOOL_COUNTY = [
    (name, int(n))
    for name, n in (
        item.split(":")
        for item in _words(
            "第一中学校:4 第二中学校:2 第三中学校:0 实验中学:2 职业技术学校:2 实验小学:0 "
            "特殊教育学校:0 第一幼儿园:0 城区第二小学:0 城区第一小学:0"
        )
    )
]
HOSPITAL_DEPARTMENTS = _words(
    "内科第一党支部 内科第二党支部 外科党支部 妇产儿科党支部 医技党支部 护理党支部 急诊重症党支部 "
    "行政后勤党支部 离退休党支部 药剂党支部 五官科党支部 康复医学党支部"
)

# Enterprises and social organizations.
BRANDS = _words(
    "鑫源 宏达 金晟 恒通 瑞丰 天泰 昌盛 华晋 泽润 兴业 丹峰 太行 晋泽 凤鸣 永盛 新兴 鸿泰 阳光 嘉禾 "
    "富民 润达 盛世 通达 兰花 金鼎 晋华 福源 德润 安泰 联创 众鑫 恒瑞 中盛 祥和 宏伟 振兴 汇丰 泰和 "
    "金泰 顺达 恒昌 佳瑞 丰泽 华源 亿丰 晋韵 天诚 博远"
)
INDUSTRIES = _words(
    "煤业 铸造 建材 化工 农业开发 物流 建筑工程 商贸 食品 机械制造 新能源 陶瓷 钢铁 旅游开发 养殖 "
    "电子科技 煤层气 光电 医药 环保科技 房地产开发 汽车销售 纺织 印刷 酒业 农产品加工 信息技术 "
    "电力工程"
)
ENTERPRISE_SUFFIXES = _words("有限公司 有限公司 有限责任公司 股份有限公司")
COOPERATIVES = _words("种植专业合作社 养殖专业合作社 农机专业合作社 蔬菜专业合作社 中药材专业合作社")
SOCIAL_ORGS = _words(
    "企业家协会 商会 个体劳动者协会 慈善总会 老年人体育协会 书法家协会 作家协会 摄影家协会 律师协会 "
    "注册会计师协会 物业管理协会 建筑业协会 餐饮行业协会 社会工作服务中心 志愿者协会 养老服务中心 "
    "民办幼儿园 职业培训学校 青年创业协会 农村电商协会 家政服务协会 红十字会 扶贫开发协会 旅游协会 "
    "运输协会"
)
SOE_NAMES = _words(
    "国有资本投资运营有限公司 城市建设投资开发有限公司 交通建设投资有限公司 供水有限公司 热力有限公司 "
    "农业发展投资有限公司 文化旅游投资有限公司 公共交通有限公司 燃气有限公司 粮食储备有限公司 "
    "水利投资有限公司 产业投资集团有限公司"
)

# Jobs by host sector: title → weight.
JOBS = {
    "village": tuple(_weights("村民:70 村民小组长:8 村委会委员:5 个体工商户:6 务工人员:8 村医:1").items()),
    "community": tuple(_weights("居民:60 社区工作者:10 楼栋长:10 退休职工:20").items()),
    "organ": tuple(
        _weights(
            "一级科员:25 四级主任科员:20 三级主任科员:12 二级主任科员:8 副科长:10 科长:10 副局长:6 "
            "局长:2 办事员:7"
        ).items()
    ),
    "institution": tuple(_weights("专业技术人员:40 管理人员:25 工勤人员:15 副主任:10 主任:10").items()),
    "school": tuple(_weights("教师:70 教研组长:10 年级主任:8 副校长:6 校长:2 后勤人员:4").items()),
    "hospital": tuple(
        _weights(
            "医师:20 主治医师:20 副主任医师:10 主任医师:4 护士:15 护师:12 主管护师:10 药师:4 技师:5"
        ).items()
    ),
    "soe": tuple(_weights("职工:45 技术员:15 工程师:12 部门经理:10 班组长:12 副总经理:4 总经理:2").items()),
    "private": tuple(_weights("职工:55 技术员:12 部门经理:12 车间主任:10 副总经理:6 总经理:5").items()),
    "social_org": tuple(_weights("工作人员:60 项目主管:20 秘书长:10 会长:10").items()),
    "retired": tuple(_weights("退休:100").items()),
    "mobile": tuple(_weights("务工人员:60 个体经营者:20 企业职工:20").items()),
    "student": tuple(_weights("学生:100").items()),
}
