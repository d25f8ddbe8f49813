package status

import "github.com/xdsctl/xdsctl/pkg/xdstype"

// StandardTypes are the columns every status table shows, in this order.
var StandardTypes = []string{"CDS", "LDS", "EDS", "RDS", "ECDS"}

func standardIndex(short string) int {
	for i, s := range StandardTypes {
		if s == short {
			return i
		}
	}
	return -1
}

// ShortType maps a type URL (v3 or v2 spelling, with or without the type.googleapis.com/ prefix) to its
// short name: CDS, LDS, EDS, RDS, ECDS, SDS, SRDS, VHDS, RTDS, LEDS, WDS, WADS. Unknown types get the last
// segment of their message name (type.googleapis.com/foo.v1.Bar → Bar); an empty URL gives "".
// It is xdstype.ShortName.
func ShortType(typeURL string) string { return xdstype.ShortName(typeURL) }

// V3TypeURL is the canonical v3 type URL of a short name (for the standard types and SDS).
// It is xdstype.V3URL.
func V3TypeURL(short string) string { return xdstype.V3URL(short) }
