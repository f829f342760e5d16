"""Possible duplicates, similar open cases and candidate common issues (cases.selectors.smart, cases.smart
.similarity) on hand-written Chinese problems: rewordings of one problem are found, unrelated ones are not."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Case
from cases.selectors import smart
from cases.services import dispatch
from cases.smart import similarity
from cases.smart.text import joined_words

pytest_plugins = ["cases.tests.test_smart_support"]

ROAD = ("园区主干道路面破损，货车进出困难", "园区主干道多处路面破损塌陷，下雨积水，大货车进出厂区困难，请修复路面。")
ROAD_AGAIN = (
    "厂区门口道路坑洼积水严重",
    "我司门口的园区道路坑洼不平，下雨后大面积积水，货车进出很不方便，希望修补路面。",
)
ROAD_HOTLINE = (
    "园区道路塌陷影响货车通行",
    "来电人反映园区道路路面塌陷破损，雨天积水，运货的大货车经常陷车，诉求：修复道路。",
)
WATER = (
    "园区近期频繁停水影响生产",
    "本月园区已停水四次，事先没有通知，生产线被迫停工，希望供水单位提前告知并保障供水。",
)
WATER_AGAIN = ("工业园区停水没有提前通知", "园区这周又停水两次，没有提前通知，生产用水断了，损失不小，请协调供水保障。")
LOAN = ("流动资金贷款到期续贷困难", "企业在银行的500万元流动资金贷款下月到期，银行要求先还后贷，企业没有过桥资金。")
LOAN_AGAIN = (
    "贷款快到期了银行不给续贷",
    "我们在县农商行的贷款快到期，银行说必须先还款再贷，我们筹不到过桥资金，希望帮助续贷。",
)
WORKERS = ("旺季招工难缺少普工", "订单增加，生产线缺普工三十人，附近招不到工人，希望组织招聘会。")
PATENT = ("专利申请资助政策咨询", "企业今年申请了三项发明专利，想了解专利资助和高新技术企业认定的条件。")


def score(first, second) -> float:
    return similarity.scores(joined_words(*first), [joined_words(*second)])[0]


@pytest.mark.parametrize(
    ("first", "second"),
    [(ROAD, ROAD_AGAIN), (ROAD, ROAD_HOTLINE), (WATER, WATER_AGAIN), (LOAN, LOAN_AGAIN)],
    ids=["road-reworded", "road-hotline", "water", "loan"],
)
def test_rewordings_of_one_problem_are_similar(first, second):
    # Weighed over the two texts alone (no model yet): the shared words still carry them over the line.
    assert score(first, second) >= similarity.SIMILAR_THRESHOLD


@pytest.mark.parametrize(
    ("first", "second"),
    [(ROAD, WATER), (ROAD, LOAN), (LOAN, WORKERS), (WATER, PATENT), (WORKERS, PATENT)],
    ids=["road-water", "road-loan", "loan-workers", "water-patent", "workers-patent"],
)
def test_unrelated_problems_are_not_similar(first, second):
    assert score(first, second) < similarity.SIMILAR_THRESHOLD


@pytest.fixture
def filed(county, file_case, categories):
    """Cases filed through intake by the office for the enterprises, by text."""

    def _file(enterprise, text, **extra):
        title, description = text
        return file_case(
            enterprise=enterprise,
            actor=county.office_user,
            channel=Case.Channel.HOTLINE,
            title=title,
            description=description,
            category_id=extra.pop("category", categories["infrastructure"]).pk,
            **extra,
        )

    return _file


def test_a_repeat_by_the_same_enterprise_is_a_possible_duplicate(county, filed):
    first = filed(county.ent_a, ROAD)
    unrelated = filed(county.ent_a, PATENT)
    repeat = filed(county.ent_a, ROAD_AGAIN)
    found = smart.similar_to(
        county.office_user,
        enterprise_id=county.ent_a.pk,
        title=repeat.title,
        description=repeat.description,
        exclude_case_id=repeat.pk,
    )
    assert [m.case for m in found.duplicates] == [first]
    assert unrelated not in [m.case for m in found.duplicates + found.others]
    assert found.others == []


def test_an_old_case_is_no_duplicate(county, filed):
    old = filed(county.ent_a, ROAD, submitted_at=timezone.now() - timedelta(days=smart.DUPLICATE_DAYS + 5))
    found = smart.similar_to(
        county.office_user, enterprise_id=county.ent_a.pk, title=ROAD_AGAIN[0], description=ROAD_AGAIN[1]
    )
    assert old not in [m.case for m in found.duplicates]


def test_similar_open_cases_of_other_enterprises(county, filed):
    open_case = filed(county.ent_b, ROAD_HOTLINE)
    closed = filed(county.ent_c, ROAD)
    dispatch.case_reject(
        actor=county.office_user, case_id=closed.pk, reason=Case.RejectReason.OUT_OF_SCOPE, note="不属于受理范围"
    )
    filed(county.ent_c, WORKERS)
    found = smart.similar_to(
        county.office_user, enterprise_id=county.ent_a.pk, title=ROAD_AGAIN[0], description=ROAD_AGAIN[1]
    )
    assert [m.case for m in found.others] == [open_case]
    assert found.duplicates == []


def test_only_cases_the_viewer_sees_are_compared(county, filed):
    filed(county.ent_b, ROAD_HOTLINE)
    # 工信局's handler sees no case of ent_b (not assigned to it): nothing to show, nothing leaked.
    found = smart.similar_to(county.gxj_handler, enterprise_id=county.ent_a.pk, title=ROAD[0], description=ROAD[1])
    assert found.others == [] and found.duplicates == []


def test_clusters_group_alike_cases_of_several_enterprises(county, filed):
    roads = [filed(county.ent_a, ROAD), filed(county.ent_b, ROAD_AGAIN), filed(county.ent_c, ROAD_HOTLINE)]
    waters = [filed(county.ent_a, WATER), filed(county.ent_b, WATER_AGAIN)]
    loner = filed(county.ent_c, PATENT)
    found = smart.clusters(county.office_user)
    groups = sorted((sorted(c.case_ids) for c in found), key=len, reverse=True)
    assert groups == [sorted(c.pk for c in roads), sorted(c.pk for c in waters)]
    assert loner.pk not in {pk for c in found for pk in c.case_ids}
    road = next(c for c in found if roads[0].pk in c.case_ids)
    assert road.enterprise_count == 3
    assert {"路面", "积水"} <= set(road.words)


def test_one_enterprise_alone_is_no_common_issue(county, filed):
    filed(county.ent_a, ROAD)
    filed(county.ent_a, ROAD_AGAIN)
    assert smart.clusters(county.office_user) == []


def test_cases_already_merged_or_dispatched_are_not_clustered(county, filed):
    first, second = filed(county.ent_a, ROAD), filed(county.ent_b, ROAD_AGAIN)
    dispatch.case_merge(actor=county.office_user, case_ids=[first.pk, second.pk], title="园区道路破损")
    third, fourth = filed(county.ent_a, WATER), filed(county.ent_b, WATER_AGAIN)
    dispatch.case_assign(actor=county.office_user, case_id=third.pk, lead_unit_id=county.fgj.pk)
    assert smart.clusters(county.office_user) == []
    assert fourth.state == Case.State.SUBMITTED


def test_with_a_model_the_weights_come_from_history(county, filed, trained):
    # Words the whole history uses weigh less: the rewordings stay similar, the unrelated stay apart.
    a, b = filed(county.ent_a, ROAD), filed(county.ent_b, ROAD_AGAIN)
    filed(county.ent_c, LOAN)
    found = smart.clusters(county.office_user)
    assert [sorted(c.case_ids) for c in found] == [sorted([a.pk, b.pk])]
