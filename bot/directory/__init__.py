"""The service directory: where to get each kind of help, per centre, region and category.

``validation`` reads and checks ``data/services.yml`` entries, ``storage`` keeps them in the
``services`` table (imported from the file, edited in the console) and ``formatting`` writes a
service's card in the reader's language. The names callers use are re-exported here.
"""

from bot.directory.formatting import (
    CONTACT_MESSAGE,
    ELIGIBILITY_MESSAGE,
    LANGUAGES_MESSAGE,
    format_service,
    language_names,
)
from bot.directory.storage import (
    CONSOLE,
    delete_service,
    entry_data,
    find_services,
    get_service,
    import_services,
    list_services,
    service_data,
    service_hours,
    service_languages,
    service_text,
    service_translations,
    upsert_service,
)
from bot.directory.validation import (
    CATEGORIES,
    DEFAULT_SERVICES_FILE,
    LOCALISED,
    MAX_LANGUAGES,
    MAX_LENGTH,
    REQUIRED_FIELDS,
    ServiceEntry,
    fold_region,
    load_services,
    region_id,
)

__all__ = [
    "CATEGORIES",
    "LOCALISED",
    "CONSOLE",
    "CONTACT_MESSAGE",
    "DEFAULT_SERVICES_FILE",
    "ELIGIBILITY_MESSAGE",
    "LANGUAGES_MESSAGE",
    "MAX_LANGUAGES",
    "MAX_LENGTH",
    "REQUIRED_FIELDS",
    "ServiceEntry",
    "delete_service",
    "entry_data",
    "find_services",
    "fold_region",
    "format_service",
    "get_service",
    "import_services",
    "language_names",
    "list_services",
    "load_services",
    "region_id",
    "service_data",
    "service_hours",
    "service_languages",
    "service_text",
    "service_translations",
    "upsert_service",
]
