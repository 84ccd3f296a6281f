"""Word tokenization with character offsets.

Words are the unit the annotation scheme is written in (spans cover whole words),
so everything that aligns labels to sub-tokens starts from these offsets.
Punctuation (Arabic and Latin, quotes and brackets) becomes its own token;
an attached clitic stays inside its word, as the guidelines require.
"""

from __future__ import annotations

import re

# A word: a run of letters, marks and digits (with inner dots/commas/colons for numbers like 2022.11.18,
# 3,5 and 07:57, and inner apostrophes/hyphens/tatweel for Latin and Arabic compounds).
# Anything else that is not whitespace is a one-character token.
_TOKEN = re.compile(
    r"\[(?:رابط|بريد|مستخدم)\]"  # AraBERT's placeholders for URLs, e-mails and mentions: one token each
    r"|[^\W_](?:[^\W_]|[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]"
    r"|(?<=\d)[.,:/](?=\d)|(?<=[^\W\d_])['’\-](?=[^\W\d_]))*"
    r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]*"
    r"|\u0640+[^\W_]*"
    r"|[^\s\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff]"
)


def tokenize_words(text: str) -> list[tuple[int, int]]:
    """Character offsets ``[start, end)`` of each word and punctuation token.

    >>> t = "قصف «حقل العمر»، أمس."
    >>> [t[s:e] for s, e in tokenize_words(t)]
    ['قصف', '«', 'حقل', 'العمر', '»', '،', 'أمس', '.']
    """
    return [m.span() for m in _TOKEN.finditer(text)]
