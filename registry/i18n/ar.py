"""Arabic messages (the kiosk page only; anything missing falls back to French)."""

from __future__ import annotations

# Plural keys follow Intl.PluralRules("ar"): one (1), two (2), few (3-10), many (11-99), other (100, …);
# the number itself is shown large beside the text. 3-10 take the plural (رسائل), 11 and up the singular.
MESSAGES: dict[str, str] = {
    "borne.title": "الاستعلام عن البريد",
    "borne.lang_name": "العربية",
    "borne.languages": "اللغة",
    "borne.idle": "مرِّر بطاقتك",
    "borne.idle_hint": "لمعرفة ما إذا كان لديك بريد",
    "borne.reading": "جارٍ قراءة البطاقة…",
    "borne.hello": "مرحبًا {name}",
    "borne.mail.one": "رسالة في انتظارك",
    "borne.mail.two": "رسالتان في انتظارك",
    "borne.mail.few": "رسائل في انتظارك",
    "borne.mail.many": "رسالة في انتظارك",
    "borne.mail.other": "رسالة في انتظارك",
    "borne.registered.one": "(منها رسالة مضمونة واحدة)",
    "borne.registered.two": "(منها رسالتان مضمونتان)",
    "borne.registered.few": "(منها {count} رسائل مضمونة)",
    "borne.registered.many": "(منها {count} رسالة مضمونة)",
    "borne.registered.other": "(منها {count} رسالة مضمونة)",
    "borne.collect": "يمكنك استلام بريدك من مكتب الاستقبال",
    "borne.no_mail": "لا يوجد بريد لك اليوم",
    "borne.unknown": "بطاقة غير معروفة، يرجى التوجه إلى مكتب الاستقبال",
    "borne.slow_down": "يرجى الانتظار بضع ثوانٍ",
    "borne.unavailable": "الجهاز متوقف مؤقتًا، يرجى التوجه إلى مكتب الاستقبال",
    "borne.offline": "غير متصل",
    "borne.hours.title": "أوقات الاستقبال",
    "borne.hours.closed": "مغلق",
    "borne.hours.today": "اليوم",
}
