"""Every model module, imported once so Base.metadata is complete (Alembic, tests)."""

from centre import once  # noqa: F401
from centre.audit import models as audit_models  # noqa: F401
from centre.auth import models as auth_models  # noqa: F401
from centre.cases import models as case_models  # noqa: F401
from centre.catalogues import models as catalogue_models  # noqa: F401
from centre.directory import models as directory_models  # noqa: F401
from centre.employment import models as employment_models  # noqa: F401
from centre.housing import models as housing_models  # noqa: F401
from centre.people import models as people_models  # noqa: F401
from centre.reception import models as reception_models  # noqa: F401
