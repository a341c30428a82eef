package loket

import "time"

// WIB is Western Indonesia Time (Asia/Jakarta, UTC+7, no daylight saving), the zone
// times are shown in where people read them; Loket stores times in UTC. A fixed zone
// needs no time-zone database on the machine.
var WIB = time.FixedZone("WIB", 7*3600)
