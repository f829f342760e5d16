"""Chinese text of a case, as words (jieba, for the classifiers and the words shown to the dispatcher) and
as cleaned characters (for similarity, where character pairs catch 货车/大货车 that words would split)."""

from __future__ import annotations

import hashlib
import logging
import re
import threading

import jieba

jieba.setLogLevel(logging.WARNING)
_ready = threading.Lock()
_initialised = False

# Words every problem is written with: they say nothing about what it is or who should solve it.
_STOPWORD_TEXT = """
    企业 我司 公司 本公司 我们 我 你们 您好 你好 领导 麻烦 关注 一下 希望 协调 相关 部门 问题 解决 尽快 帮助 帮忙
    反映 来电 来电人 诉求 称 其 目前 现在 一直 没有 不 已 已经 还 也 都 就 又 再 很 较 比较 非常 特别 十分 能 能够
    可以 需要 要求 进行 请 望 请求 恳请 予以 给予 给 对 对于 为 为了 把 被 将 从 向 在 于 与 和 及 以及 或 并 等 等等
    了 的 地 得 着 过 是 有 这 那 此 该 之 个 些 让 使 由 因 因为 所以 但 但是 而 如 如果 后 前 中 上 下 内 外 时
    多 少 大 小 月 日 年 天 万元 元 家 名 人 次 一 二 三 两 几 多次 一些 这个 那个 什么 怎么 如何 谢谢 感谢 急
    情况 方面 工作 有关 以上 以下 相应 具体 有些 导致 造成 影响 存在 出现 办理 处理 落实 支持 指导
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_SPACE = re.compile(r"\s+")
_NOT_WORD = re.compile(r"^[\W\d_a-zA-Z]+$")


def _initialise() -> None:
    global _initialised
    with _ready:
        if not _initialised:
            jieba.initialize()  # reads the dictionary shipped in the package: nothing is downloaded
            _initialised = True


def case_text(title: str, description: str) -> str:
    """The text a suggestion reads: the title counts twice, as a dispatcher reads it first."""
    return f"{title}。{title}。{description}"


def words(text: str) -> list[str]:
    """The meaningful words of `text`, in order (numbers, latin and punctuation dropped)."""
    if not _initialised:
        _initialise()
    found = []
    for word in jieba.cut(_SPACE.sub(" ", text or "")):
        word = word.strip()
        if len(word) < 2 and word not in ("电", "水", "气", "路", "税", "地", "证", "贷"):
            continue
        if word in STOPWORDS or _NOT_WORD.match(word):
            continue
        found.append(word)
    return found


def joined_words(title: str, description: str) -> str:
    return " ".join(words(case_text(title, description)))


def digest(title: str, description: str) -> str:
    return hashlib.sha256(f"{title}\n{description}".encode()).hexdigest()
