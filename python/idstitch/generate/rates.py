"""The rates of the simulation that are tables rather than single numbers: kinds of
person and of identify call, and which traits a person has and a call shows."""

from __future__ import annotations

import numpy as np

# trait numbers: rows of HAS_TRAIT (person has it) and SHOWS_TRAIT (a row shows it)
(
    T_EMAIL, T_PHONE, T_EXT, T_NAMES, T_FULLNAME, T_NAMEONLY, T_USERNAME, T_TITLE,
    T_GENDER, T_AGE, T_BDAY, T_CREATED, T_ADDRESS, T_COMPANY, T_ZENDESK, T_STRIPE, T_PLAN,
) = range(17)  # fmt: skip
N_TRAITS = 17
# probability that a person has the trait: (soft, full)
HAS_TRAIT = np.array(
    [
        (1.0, 1.0),  # email
        (0.10, 0.45),  # phone
        (0.0, 0.10),  # external_id
        (0.50, 0.85),  # first/last name
        (1.0, 1.0),  # full name (gated by names)
        (0.05, 0.05),  # name only
        (0.0, 0.25),  # username
        (0.0, 0.15),  # title
        (0.0, 0.30),  # gender
        (0.0, 0.20),  # age
        (0.0, 0.15),  # birthday
        (0.0, 1.0),  # created_at
        (0.05, 0.35),  # address
        (0.0, 0.25),  # company
        (0.0, 0.06),  # zendesk_id
        (0.0, 0.12),  # stripe_customer_id
        (0.0, 0.60),  # plan
    ]
)
# identify row kinds
K_SOFT, K_REGISTER, K_LOGIN, K_REID, K_ECHANGE = range(5)
# probability that a row of kind k shows a trait the person has: columns = kinds
SHOWS_TRAIT = np.array(
    [
        (1.0, 0.95, 0.50, 0.35, 1.0),  # email
        (0.30, 0.70, 0.20, 0.30, 0.10),  # phone
        (0.0, 1.0, 0.30, 0.50, 0.30),  # external_id
        (0.50, 0.90, 0.20, 0.40, 0.20),  # first/last name
        (0.10, 0.25, 0.05, 0.15, 0.05),  # full name
        (1.0, 1.0, 1.0, 1.0, 1.0),  # name only
        (0.0, 1.0, 0.10, 0.30, 0.0),  # username
        (0.0, 0.80, 0.05, 0.30, 0.0),  # title
        (0.0, 0.80, 0.05, 0.30, 0.0),  # gender
        (0.0, 0.80, 0.05, 0.30, 0.0),  # age
        (0.0, 0.80, 0.05, 0.30, 0.0),  # birthday
        (0.0, 1.0, 0.30, 0.50, 0.20),  # created_at
        (0.30, 0.80, 0.05, 0.30, 0.0),  # address
        (0.0, 1.0, 0.30, 0.50, 0.20),  # company
        (0.0, 0.20, 0.20, 0.60, 0.20),  # zendesk_id
        (0.0, 0.20, 0.20, 0.60, 0.30),  # stripe_customer_id
        (0.0, 1.0, 0.20, 0.50, 0.0),  # plan
    ]
)

# person kinds: anonymous-only, soft registration only, full registration
P_ANON, P_SOFT, P_FULL = 0, 1, 2
# registered persons logging into each kiosk device, and persons per kiosk
KIOSK_PERSONS = 50
PERSONS_PER_KIOSK = 20_000
DAY = 86_400.0  # seconds
US = 1_000_000  # microseconds per second
