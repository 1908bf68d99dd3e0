"""One namespace for the visions services: ``from visionswerk.visions import services as vs``."""

from visionswerk.visions.documents import (  # noqa: F401
    ParentView,
    ancestors,
    embedded_view,
    get_version,
    import_vision,
    load_any,
    parent_candidates,
    parent_keywords,
    parent_of,
    set_parent,
    statements,
    take_statement,
    versions_of,
)
from visionswerk.visions.overview import (  # noqa: F401
    CSV_COLUMNS,
    FILTERS,
    PHASE_LABELS,
    SORT_KEYS,
    STAGE_LABELS,
    Row,
    csv_bytes,
    overview_regions,
    region_overview,
    row_json,
    sort_and_filter,
    stage_counts,
)
from visionswerk.visions.parents import (  # noqa: F401
    DiffLine,
    NoticeView,
    Outdated,
    diff,
    newest_adopted,
    notices_for,
    outdated_for,
    outdated_of,
    rebase,
    version_adopted,
    workshop_for_rebase,
)
