"""The seed's 2022 assessment scheme (seed 000, Annex 2 考核细则) as data, read as DESIGN.md §5 reads it.
The names and descriptions are the document's own, in Chinese: they are data the office edits, like the
category dictionary. Used by the data migration that ships each target's template, and by tests."""

DEPARTMENT = "department"
TERRITORIAL = "territorial"

# (position, name, rule, max points, parameters, how it is scored)
SCHEMES = {
    DEPARTMENT: (
        "县直责任部门考核（2022年考核细则）",
        [
            (1, "完成工作目标", "plan_goals", 40, {}, "40 × 已实现目标数 ÷ 目标总数，按本单位牵头的帮扶方案计。"),
            (
                2,
                "解决困难问题",
                "cases_solved",
                20,
                {"per_case": 10, "degree_cap": 15},
                "本单位作为主办单位帮助被帮扶企业解决问题，每销号一个（已解决）计10分，最多20分；"
                "不足20分的，困难问题未完全解决的由助企办视解决程度计分（该部分最多15分），本项最多20分。",
            ),
            (
                3,
                "典型经验推广",
                "evidence",
                10,
                {"per_entry": 2, "kinds": ["commendation", "media_report"]},
                "经验做法得到县委县政府领导表扬或被县级及以上媒体宣传报道的，每次计2分，最多10分。",
            ),
            (
                4,
                "主动拓展服务",
                "proactive",
                10,
                {"per_case": 2},
                "对被帮扶对象以外的企业主动服务、作为主办单位解决问题且企业评价满意的，每次计2分，最多10分。",
            ),
            (
                5,
                "日常工作开展情况",
                "daily_work",
                20,
                {"due_day": 20},
                "20 × 月报每月20日前报送且当月走访全部包联企业的月数 ÷ 考核期月数。",
            ),
        ],
    ),
    TERRITORIAL: (
        "乡镇、园区、新城考核（2022年考核细则）",
        [
            (1, "工作目标完成情况", "plan_goals", 30, {}, "30 × 已实现目标数 ÷ 目标总数，按本单位牵头的帮扶方案计。"),
            (
                2,
                "规模以上工业企业亏损面",
                "loss_ratio_rank",
                30,
                {"step": 1},
                "按地区规模以上工业企业亏损面从低到高排名，第一名计30分，其他依次递减1分；亏损面相同的并列（1、1、3）。",
            ),
            (
                3,
                "规模以上工业企业利润总额",
                "profit_rank",
                20,
                {"step": 1},
                "按地区规模以上工业企业利润总额从高到低排名，第一名计20分，其他依次递减1分；相同的并列。",
            ),
            (
                4,
                "日常工作推进情况",
                "daily_work",
                20,
                {"due_day": 20},
                "20 × 月报每月20日前报送且当月走访全部包联企业的月数 ÷ 考核期月数。",
            ),
        ],
    ),
}


def create_templates(AssessmentScheme, AssessmentItem) -> None:
    """Create the template scheme of each target that has none (models passed in: works in migrations)."""
    for target, (name, items) in SCHEMES.items():
        if AssessmentScheme.objects.filter(target=target, year=None).exists():
            continue
        scheme = AssessmentScheme.objects.create(name=name, target=target, year=None, total_points=100)
        for position, item_name, rule, points, params, description in items:
            AssessmentItem.objects.create(
                scheme=scheme,
                position=position,
                name=item_name,
                rule=rule,
                max_points=points,
                params=params,
                description=description,
            )
