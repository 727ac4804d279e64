"""Local times of day the simulator sends at, as (start, end) seconds after local midnight."""

from __future__ import annotations

DAY = 86_400
# Clean sends keep an hour of margin inside 08:00–21:00, since Spain's Canary Islands are an hour
# behind Madrid and the rules judge every zone.
CLEAN = ((9 * 3600, 19 * 3600 + 1800),)
FR_HOURS = ((10 * 3600, 12 * 3600 + 1800), (14 * 3600, 19 * 3600 + 1800))
NIGHT = ((6 * 3600, 7 * 3600 + 1800), (21 * 3600 + 1800, 23 * 3600 + 1800))
# After Florida's 20:00 (Fla. Stat. 501.616(6)(a)) but before the TCPA's 21:00.
FLORIDA_EVENING = ((20 * 3600 + 300, 20 * 3600 + 3300),)
