"""The plausible ranges that an event and a protocol file must both respect.

They live in one place because a protocol setting outside what an event may record (a maintenance
interval of 16 weeks when ``MaintenanceIntervalSet`` takes 2 to 12) would be a plan nobody can follow.
The instruments' scales are here too: a total, an item, and the protocol's PHQ-9 thresholds all
depend on them.
"""

from __future__ import annotations

from careplan.domain.families.infusion import DOSE_MG_PER_KG, INFUSION_MINUTES
from careplan.domain.families.response import MAINTENANCE_WEEKS
from careplan.domain.scales import SCALES, Scale
from careplan.domain.vocabulary import INSTRUMENTS

DIAZEPAM_EQ_MG = (0, 500)


PHQ9, MADRS, GAD7 = INSTRUMENTS
# The scales are the domain's (careplan.domain.scales): the edge checks the same numbers the payload does.
__all__ = ["DIAZEPAM_EQ_MG", "DOSE_MG_PER_KG", "INFUSION_MINUTES", "MAINTENANCE_WEEKS", "SCALES", "Scale"]
