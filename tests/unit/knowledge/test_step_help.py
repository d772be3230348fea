"""Answering questions and remarks during a step (`KnowledgeBase.step_help`) on the shipped
content: realistic phrasings find the right answer at their step; outcomes, requests for a
person, thanks, numbers, pauses and chit-chat find nothing at any step of any problem."""
from __future__ import annotations

import pytest

from knowledge.repository import KnowledgeBase
from knowledge.search import tokenize
from knowledge.step_help import (
    STEP_HELP_MATCH,
    STEP_HELP_STOP_WORDS,
    StepHelpIndex,
    canonical,
    reports_without_asking,
)
from knowledge.types import PROBLEM_KEYS, StepSkip

#: (problem, step index, message, a phrase of the expected answer). Written as users type:
#: colloquial, short forms (ukey, u盾, 数电票), without punctuation or with it.
MATCHES = [
    ("login_failure", 0, "公告在哪里能看到啊", "通知公告"),
    ("login_failure", 0, "热点怎么开？", "个人热点"),
    ("login_failure", 0, "维护一般要多久啊", "结束时间"),
    ("login_failure", 0, "我们单位电脑不让连热点的", "换不了网络"),
    ("login_failure", 1, "清缓存怎么弄", "Ctrl+Shift+Delete"),
    ("login_failure", 1, "浏览器缓存在哪清理", "Ctrl+Shift+Delete"),
    ("login_failure", 1, "我用的360浏览器可以吗", "极速模式"),
    ("login_failure", 1, "没有管理员权限，装不了谷歌浏览器", "装不了新浏览器"),
    ("login_failure", 2, "我们公司没有ukey的", "没有UKey没关系"),
    ("login_failure", 2, "我们是数电票，没有u盾", "没有UKey没关系"),
    ("login_failure", 2, "我们没有税务ukey，是用账号登录的", "没有UKey没关系"),
    ("login_failure", 2, "证书有效期在哪看", "下载中心"),
    ("login_failure", 2, "装驱动提示要管理员密码", "管理员权限"),
    ("login_failure", 2, "数字证书是什么东西", "电子身份凭证"),
    ("login_failure", 3, "忘记密码在哪里点", "忘记密码"),
    ("login_failure", 3, "我换手机号了收不到验证码", "变更"),
    ("login_failure", 3, "之前的会计离职了，账号是她的", "前任"),
    ("login_failure", 4, "锁定了要等多久", "解锁时间"),
    ("login_failure", 4, "账号锁了多长时间能解开", "解锁时间"),
    ("login_failure", 4, "去税务局需要带什么材料", "营业执照"),
    ("login_failure", 4, "冻结啥意思", "冻结一般是"),
    ("login_failure", 4, "有哪些登录方式", "扫码登录"),
    ("issuance_failure", 0, "报错复制不下来", "截图"),
    ("issuance_failure", 0, "就一个错误代码看不懂", "完整的代码"),
    ("issuance_failure", 1, "税收分类编码是什么意思", "19位"),
    ("issuance_failure", 1, "商品编码怎么选啊", "19位"),
    ("issuance_failure", 1, "对方的税号在哪里找", "统一社会信用代码"),
    ("issuance_failure", 1, "税率到底选13还是6", "13%"),
    ("issuance_failure", 1, "客户是个人，没有税号怎么开", "个人"),
    ("issuance_failure", 2, "授信额度是啥意思", "授信额度"),
    ("issuance_failure", 2, "剩余额度在哪看", "数据概览"),
    ("issuance_failure", 2, "额度不够了怎么申请提额", "额度调整申请"),
    ("issuance_failure", 2, "可用额度怎么是0", "申报"),
    ("issuance_failure", 2, "我们只开数电票，不用纸票", "不需要领用"),
    ("issuance_failure", 3, "我们是数电发票，没有ukey", "不需要税务UKey"),
    ("issuance_failure", 3, "清卡是什么", "反写监控"),
    ("issuance_failure", 3, "抄报税怎么操作", "汇总上传"),
    ("issuance_failure", 3, "ukey口令忘记了", "88888888"),
    ("issuance_failure", 3, "电脑识别不了ukey", "USB口"),
    ("issuance_failure", 4, "版本号在哪里看", "版本号"),
    ("issuance_failure", 4, "我们用网页版开票的，没有软件", "不用升级软件"),
    ("issuance_failure", 5, "电脑不能重启怎么办", "完全退出"),
    ("issuance_failure", 5, "重启的话没开完的票会丢吗", "重启前"),
    ("issuance_failure", 6, "手机app能开发票吗", "App"),
    ("issuance_failure", 6, "发票开错了能作废吗", "作废"),
    ("issuance_failure", 2, "我没有开票权限", "账户中心"),
    ("invoice_missing", 0, "发票号码是哪个", "右上角"),
    ("invoice_missing", 0, "我分不清购买方销售方", "销售方"),
    ("invoice_missing", 1, "同步一般要多久", "几分钟"),
    ("invoice_missing", 2, "同步按钮在哪", "数据同步"),
    ("invoice_missing", 2, "我们是数电的，没装开票软件", "自动同步"),
    ("invoice_missing", 3, "这票是供应商开给我们的", "开票方"),
    ("invoice_missing", 4, "模糊查询怎么用啊", "后几位"),
    ("invoice_missing", 4, "这张票还能抵扣吗", "抵扣"),
    ("query_empty", 0, "进项和销项有什么区别", "进项发票"),
    ("query_empty", 0, "数电票查询选什么类型", "数电专票"),
    ("query_empty", 2, "怎么导出成excel", "导出"),
    ("query_empty", 3, "退出登录在哪", "退出"),
    ("query_empty", 4, "发票是我们自己开出去的", "上传状态"),
    ("query_empty", 4, "一天能查验几次", "5次"),
    ("upload_failure", 0, "电脑老是自动休眠", "睡眠"),
    ("upload_failure", 1, "ofd是什么文件", "OFD"),
    ("upload_failure", 1, "只有纸质的发票", "扫描"),
    ("upload_failure", 2, "校验码在哪里", "右上角"),
    ("upload_failure", 2, "金额填含税还是不含税", "价税合计"),
    ("upload_failure", 3, "怎么知道上传成功了", "上传成功"),
    ("upload_failure", 4, "能传jpg图片吗", "JPG"),
    ("system_outage", 0, "就我一个会计，身边没人能问", "手机流量"),
    ("system_outage", 1, "什么时候能恢复", "预计恢复时间"),
    ("system_outage", 1, "要等多久啊", "预计恢复时间"),
    ("system_outage", 1, "啥时候能好", "预计恢复时间"),
    ("system_outage", 1, "耽误申报了怎么办", "延期"),
    ("system_outage", 2, "本地登记要记哪些", "购买方名称"),
    ("system_outage", 4, "重复开的发票怎么处理", "重复"),
    ("system_outage", 4, "客服电话是多少", "12366"),
    ("system_outage", 2, "恢复了能通知我一下吗", "没法主动"),
]

#: Messages that are not questions about a step: outcomes, requests for a person, thanks,
#: numbers, pauses, chit-chat. None may match at any step of any problem.
NO_MATCH = [
    "没解决", "还是不行", "试了没用", "还是登录不上", "已经好了", "好了", "好了，能登录了", "可以了谢谢",
    "可以了", "解决了", "已解决", "还是报错", "还是开不出来", "还是查不到", "还是传不上去", "系统还是打不开",
    "依然报错", "还是那个提示", "还是一直转圈", "照样登不进去", "又失败了", "做完了还是报错", "成功了",
    "可以登录了", "搞定了，谢谢啦", "ok了，谢谢", "问题解决了，多谢", "没效果", "不行啊",
    "转人工", "我要人工客服", "找人工", "帮我转人工", "能不能找个真人", "我要找客服",
    "谢谢", "谢谢你", "好的", "嗯嗯", "ok", "行", "收到", "明白了", "辛苦了", "拜拜", "哦", "不是", "没有",
    "你好", "在吗", "我想吃火锅", "今天天气怎么样", "你是机器人吗", "你叫什么名字", "哈哈",
    "发票号码是12345678", "24412000000012345678", "我的发票号码是 2441 2000 0000 1234 5678",
    "电话13812345678", "税号91310000MA1FL8XX3X", "我的工单怎么样了", "5分", "非常满意",
    "等一下", "等我一下", "稍等我看看", "我找一下", "我先问问同事", "我去问问财务",
    "这一步做完了", "试过了", "这个我已经试过了", "下一步", "继续", "算了不弄了", "你们这个系统太烂了",
]


@pytest.mark.parametrize("problem, index, text, expected", MATCHES)
def test_questions_and_remarks_find_their_answer(shared_kb: KnowledgeBase, problem, index, text, expected):
    found = shared_kb.step_help(problem, index, text)

    assert found is not None, f"no answer for {text!r}"
    assert expected in found.answer and found.score >= STEP_HELP_MATCH


@pytest.mark.parametrize("text", NO_MATCH)
def test_outcomes_requests_and_chat_are_not_answered(shared_kb: KnowledgeBase, text):
    matched = [(p.key, s.index, found.matched_ask, found.score)
               for p in shared_kb.problems() for s in p.steps
               for found in [shared_kb.step_help(p.key, s.index, text)] if found is not None]

    assert matched == []


def test_every_variant_finds_its_own_answer_at_its_step(shared_kb: KnowledgeBase):
    wrong = []
    for problem in shared_kb.problems():
        for step in problem.steps:
            for entry in step.context:
                for ask in entry.asks:
                    found = shared_kb.step_help(problem.key, step.index, ask)
                    if found is None or found.answer != entry.answer:
                        wrong.append((problem.key, step.id, ask))
        for entry in problem.general_questions:
            for ask in entry.asks:
                found = shared_kb.step_help(problem.key, len(problem.steps), ask)
                if found is None or found.answer != entry.answer:
                    wrong.append((problem.key, "general", ask))

    assert wrong == []


def test_every_variant_has_words_to_match():
    from knowledge.reader import read_content

    empty = [(key, entry["asks"]) for key, spec in read_content().problems.items()
             for entry in [e for s in spec["steps"] for e in s["context"]] + spec["general_questions"]
             if not all(tokenize(canonical(a), STEP_HELP_STOP_WORDS) for a in entry["asks"])]

    assert empty == []


def test_a_step_question_wins_over_the_general_ones(shared_kb: KnowledgeBase):
    found = shared_kb.step_help("issuance_failure", 2, "额度在哪看")

    assert found.step_id == "check_quota" and found.kind == "question"


def test_general_questions_answer_at_any_step(shared_kb: KnowledgeBase):
    at_first = shared_kb.step_help("system_outage", 0, "数据会不会丢")
    at_last = shared_kb.step_help("system_outage", 4, "数据会不会丢")

    assert at_first.step_id is None and at_first.answer == at_last.answer


def test_a_not_applicable_remark_says_which_condition_it_establishes(shared_kb: KnowledgeBase):
    found = shared_kb.step_help("login_failure", 2, "我们没有ukey")

    assert found.kind == "not_applicable" and found.implies == (StepSkip.NO_TAX_DEVICE,)


def test_the_answer_is_for_the_current_step_only(shared_kb: KnowledgeBase):
    # "清卡" is explained at the tax-device step, not while the user checks the quota
    assert shared_kb.step_help("issuance_failure", 3, "清卡是啥").step_id == "check_tax_device"
    assert shared_kb.step_help("issuance_failure", 2, "清卡是啥") is None


@pytest.mark.parametrize("text, step_id", [("税收分类编码在哪里改", "verify_invoice_details"),
                                           ("默认口令是多少", "check_tax_device"), ("清卡是啥", "check_tax_device")])
def test_while_an_errors_fix_is_on_screen_every_step_answers(shared_kb: KnowledgeBase, text, step_id):
    """No step is on screen during a pasted error's fix (index None): any step's context counts."""
    assert shared_kb.step_help("issuance_failure", None, text).step_id == step_id
    assert shared_kb.step_help("issuance_failure", None, "还是不行") is None


@pytest.mark.parametrize("problem, index", [("printer_jam", 0), ("login_failure", 99)])
def test_unknown_problem_or_step(shared_kb: KnowledgeBase, problem, index):
    assert shared_kb.step_help(problem, index, "额度在哪看") is None


def test_an_empty_index_answers_nothing():
    index = StepHelpIndex(())

    assert len(index) == 0 and index.match("login_failure", 0, "缓存怎么清") is None


@pytest.mark.parametrize("text, reports", [
    ("还是不行", True), ("试了，一直转圈", True), ("好了", True), ("可以了谢谢", True),
    ("发票号码 2441 2000 0000 1234 5678", True), ("等一下", True),
    ("还是报错，错误代码是什么意思？", False), ("额度在哪看", False), ("我们没有ukey", False),
    ("税率是13%还是6%", False),
])
def test_reports_without_asking(text, reports):
    assert reports_without_asking(text) is reports


def test_step_help_before_the_first_load_is_none(sessions):
    assert KnowledgeBase(sessions).step_help("login_failure", 0, "缓存怎么清") is None


def test_every_problem_is_covered():
    assert {key for key, *_ in MATCHES} == set(PROBLEM_KEYS)
