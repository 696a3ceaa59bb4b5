"""What the generated tables look like: their columns, and the fixed vocabularies
(names, domains, events, pages, ...) the simulation draws from."""

from __future__ import annotations

from datetime import date

DEFAULT_SCHEMA = "raw_events"
DEFAULT_START = date(2024, 1, 1)
DEFAULT_DAYS = 365
#: persons per chunk; the output does not depend on it, only speed and memory do.
CHUNK_PERSONS = 50_000
TABLES = ("identifies", "tracks", "pages")

JUNK_IDS = (
    "null",
    "undefined",
    "0",
    "-1",
    "",
    "   ",
    "None",
    "00000000-0000-0000-0000-000000000000",
)

COMMON_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "VARCHAR"),
    ("anonymous_id", "VARCHAR"),
    ("user_id", "VARCHAR"),
    ("timestamp", "TIMESTAMP"),
    ("received_at", "TIMESTAMP"),
)
IDENTIFIES_COLUMNS: tuple[tuple[str, str], ...] = (
    *COMMON_COLUMNS,
    ("email", "VARCHAR"),
    ("phone", "VARCHAR"),
    ("external_id", "VARCHAR"),
    ("first_name", "VARCHAR"),
    ("last_name", "VARCHAR"),
    ("name", "VARCHAR"),
    ("firstName", "VARCHAR"),
    ("username", "VARCHAR"),
    ("title", "VARCHAR"),
    ("gender", "VARCHAR"),
    ("age", "INTEGER"),
    ("birthday", "VARCHAR"),
    ("created_at", "TIMESTAMP"),
    ("address_city", "VARCHAR"),
    ("address_country", "VARCHAR"),
    ("company_name", "VARCHAR"),
    ("company_id", "VARCHAR"),
    ("zendesk_id", "VARCHAR"),
    ("stripe_customer_id", "VARCHAR"),
    ("stripeCustomerId", "VARCHAR"),
    ("plan", "VARCHAR"),
)
TRACKS_COLUMNS: tuple[tuple[str, str], ...] = (*COMMON_COLUMNS, ("event", "VARCHAR"))
PAGES_COLUMNS: tuple[tuple[str, str], ...] = (
    *COMMON_COLUMNS,
    ("name", "VARCHAR"),
    ("path", "VARCHAR"),
    ("url", "VARCHAR"),
    ("title", "VARCHAR"),
    ("referrer", "VARCHAR"),
)
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "identifies": IDENTIFIES_COLUMNS,
    "tracks": TRACKS_COLUMNS,
    "pages": PAGES_COLUMNS,
}

FIRST_NAMES = (
    "Jane", "John", "Peter", "Maria", "Sam", "Alex", "Olivia", "Liam", "Emma", "Noah",
    "Ava", "Elijah", "Sophia", "Lucas", "Mia", "Mateo", "Amelia", "Levi", "Harper", "Ezra",
    "Evelyn", "Leo", "Luna", "Aiden", "Chloe", "Kai", "Nora", "Omar", "Priya", "Wei",
    "Yuki", "Fatima", "Ahmed", "Sofia", "Lars", "Ingrid", "Pierre", "Chiara", "Diego", "Ana",
    "Joe", "Elon", "Grace", "Henry", "Isla", "Jack", "Kate", "Leah", "Max", "Nina",
)  # fmt: skip
LAST_NAMES = (
    "Doe", "Smith", "Gibbons", "Garcia", "Johnson", "Brown", "Jones", "Miller", "Davis",
    "Rodriguez", "Martinez", "Lee", "Walker", "Hall", "Young", "King", "Wright", "Lopez",
    "Hill", "Scott", "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Perez",
    "Roberts", "Turner", "Phillips", "Campbell", "Parker", "Evans", "Edwards", "Collins",
    "Stewart", "Morris", "Nguyen", "Murphy", "Rivera", "Cook", "Rogers", "Morgan", "Peterson",
    "Cooper", "Reed", "Bailey", "Bell", "Kowalski", "Schmidt",
)  # fmt: skip
DOMAINS = (
    "gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "proton.me",
    "example.com", "mail.com", "gmx.de", "web.de",
)  # fmt: skip
DOMAIN_WEIGHTS = (40, 12, 10, 10, 8, 4, 6, 4, 3, 3)
TITLES = (
    "Engineer", "Senior Engineer", "Product Manager", "Designer", "CTO", "CEO",
    "Data Analyst", "Marketing Manager", "Sales Rep", "Support Agent", "Student", "Consultant",
)  # fmt: skip
GENDERS = ("female", "male", "Female", "Male", "F", "M", "non-binary", "other")
CITIES = (
    ("San Francisco", "US"), ("New York", "US"), ("Austin", "US"), ("Chicago", "US"),
    ("London", "GB"), ("Manchester", "GB"), ("Berlin", "DE"), ("Munich", "DE"),
    ("Paris", "FR"), ("Madrid", "ES"), ("Amsterdam", "NL"), ("Toronto", "CA"),
    ("Sydney", "AU"), ("Tokyo", "JP"), ("Bangalore", "IN"), ("Sao Paulo", "BR"),
)  # fmt: skip
COMPANY_NAMES = (
    "Initech", "Globex", "Acme", "Umbrella", "Hooli", "Pied Piper", "Stark Industries",
    "Wayne Enterprises", "Soylent", "Vandelay Industries", "Wonka", "Cyberdyne", "Tyrell",
    "Massive Dynamic", "Aperture Science", "Black Mesa", "Oscorp", "Gringotts", "Monsters Inc",
    "Dunder Mifflin",
)  # fmt: skip
COMPANY_SUFFIXES = ("Inc", "LLC", "GmbH", "Ltd", "SA", "BV")
PLANS = ("free", "pro", "team", "enterprise")
SHORT_PHONES = ("12345", "555-01", "0000", "123")
TRACK_EVENTS = (
    "Product Viewed", "Product Added", "Cart Viewed", "Checkout Started", "Order Completed",
    "Newsletter Subscribed", "Button Clicked", "Products Searched", "Video Played",
    "Signed Up", "Logged In", "Application Opened", "Application Backgrounded",
    "Push Notification Tapped",
)  # fmt: skip
TRACK_WEIGHTS_WEB = (30, 12, 10, 6, 4, 2, 20, 10, 4, 1, 1, 0, 0, 0)
TRACK_WEIGHTS_MOBILE = (24, 10, 8, 5, 4, 0, 10, 8, 3, 1, 1, 14, 10, 2)
PAGES_CATALOG = (
    ("Home", "/", "Somesite - Home"),
    ("Pricing", "/pricing", "Pricing - Somesite"),
    ("Product", "/products/sneaker-one", "Sneaker One - Somesite"),
    ("Product", "/products/sneaker-two", "Sneaker Two - Somesite"),
    ("Product List", "/collections/all", "All products - Somesite"),
    ("Cart", "/cart", "Your cart - Somesite"),
    ("Checkout", "/checkout", "Checkout - Somesite"),
    ("Sign Up", "/signup", "Create an account - Somesite"),
    ("Login", "/login", "Log in - Somesite"),
    ("Account", "/account", "Your account - Somesite"),
    ("Blog", "/blog", "Blog - Somesite"),
    ("Blog Post", "/blog/identity-resolution", "Identity resolution - Somesite"),
    ("Help", "/help", "Help center - Somesite"),
    ("Email Signup", "/newsletter", "Newsletter - Somesite"),
)
PAGE_WEIGHTS = (25, 6, 14, 10, 12, 6, 3, 3, 4, 4, 4, 3, 3, 3)
SITE = "https://somesite.com"
REFERRERS = (
    "https://www.google.com/", "https://www.bing.com/", "https://t.co/",
    "https://www.facebook.com/", "https://news.ycombinator.com/", "https://duckduckgo.com/",
    "https://somesite.com/",
)  # fmt: skip
