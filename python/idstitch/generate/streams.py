"""Stream numbers: each random draw hashes its key with its own stream number, so the
draws are independent. The numbers are arbitrary but fixed: changing one changes the
generated data."""

from __future__ import annotations

# stream numbers (any distinct small ints)
(
    S_KIND, S_POWER, S_SOFTFIRST, S_NDEV, S_KIOSK, S_KIOSKNO, S_SHARED, S_T0, S_SPAN,
    S_UIDKIND, S_EMAILSTYLE, S_PATTERN, S_DOM1, S_DOM2, S_FIRST, S_LAST, S_ECHG, S_TCHG,
    S_TREG, S_TSOFT, S_NSOFT, S_HAS, S_SHORT, S_SHORTI, S_AREA, S_EXTSAME, S_TITLE,
    S_GENDER, S_BDAY, S_CITY, S_COMPANY, S_UIDHEX, S_STRIPE,
    # device level
    S_DTYPE, S_CAMEL, S_DSTART, S_DCOUNT, S_LOGIN, S_TLOGIN, S_NREID, S_KDUR,
    # event / row level
    S_ET, S_TABLE, S_EVENT, S_PAGE, S_REF, S_SERVER, S_DUP, S_OOO, S_OOOAMT, S_FUT,
    S_FUTAMT, S_DELAY, S_LATE, S_AJUNK, S_AJUNKI, S_UJUNK, S_UJUNKI, S_ID1, S_ID2,
    S_ROWT, S_STYLEVAR, S_STYLE2, S_EMPTY, S_PHFMT, S_PLAN,
) = range(100, 166)  # fmt: skip
S_TRAIT = 300  # + trait number
S_KIOSK_ANON = 500
S_PERSON = 600
