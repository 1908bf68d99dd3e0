"""One namespace for the visions services: ``from visionswerk.visions import services as vs``."""

from visionswerk.visions.documents import (  # noqa: F401
    ParentView,
    ancestors,
    embedded_view,
    get_version,
    import_vision,
    load_any,
    may_take,
    parent_candidates,
    parent_keywords,
    parent_of,
    parent_origin,
    set_parent,
    statements,
    take_statement,
    versions_of,
)
from visionswerk.visions.overview import (  # noqa: F401
    CSV_COLUMNS,
    PHASE_LABELS,
    STAGE_LABELS,
    Row,
    csv_bytes,
    current_workshops,
    overview_regions,
    region_overview,
    row_json,
    stage_counts,
)
from visionswerk.visions.overview_sql import (  # noqa: F401
    FILTER_NAMES,
    PER_PAGE,
    SORTS,
    Page,
    Query,
    RegionsPage,
    overview_page,
    regions_page,
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
