package webhooks

import (
	"net/netip"
	"strings"
)

// specialUse are the IANA special-purpose IPv4 blocks that the standard library's
// address classes (loopback, private, link-local, multicast, unspecified) leave out:
// none of them is a reseller's server on the internet.
var specialUse = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),          // "this network" (RFC 791); 0.0.0.0 dials this host
	netip.MustParsePrefix("100.64.0.0/10"),      // shared address space, carrier-grade NAT (RFC 6598)
	netip.MustParsePrefix("192.0.0.0/24"),       // IETF protocol assignments (RFC 6890)
	netip.MustParsePrefix("192.0.2.0/24"),       // documentation, TEST-NET-1 (RFC 5737)
	netip.MustParsePrefix("192.88.99.0/24"),     // 6to4 relay anycast, deprecated (RFC 7526)
	netip.MustParsePrefix("198.18.0.0/15"),      // benchmarking (RFC 2544)
	netip.MustParsePrefix("198.51.100.0/24"),    // documentation, TEST-NET-2
	netip.MustParsePrefix("203.0.113.0/24"),     // documentation, TEST-NET-3
	netip.MustParsePrefix("240.0.0.0/4"),        // reserved (RFC 1112)
	netip.MustParsePrefix("255.255.255.255/32"), // limited broadcast (RFC 919)
}

var (
	// Only 2000::/3 is allocated for global unicast; within it these are not servers.
	globalUnicast = netip.MustParsePrefix("2000::/3")
	specialUse6   = []netip.Prefix{
		netip.MustParsePrefix("2001::/23"),     // IETF protocol assignments: Teredo, benchmarking, ORCHID (RFC 2928)
		netip.MustParsePrefix("2001:db8::/32"), // documentation (RFC 3849)
		netip.MustParsePrefix("3fff::/20"),     // documentation (RFC 9637)
	}
	// IPv6 addresses that stand for an IPv4 one, judged by it.
	nat64     = netip.MustParsePrefix("64:ff9b::/96") // NAT64 well-known prefix (RFC 6052): the last 32 bits
	sixToFour = netip.MustParsePrefix("2002::/16")    // 6to4 (RFC 3056): bits 16 to 47
)

// blocked reports whether a webhook may not go to ip: loopback, private, link-local,
// multicast, unspecified, a special-use block, or an IPv6 form of such an IPv4 address
// (IPv4-mapped, NAT64, 6to4). It decides both when a URL is saved and when a delivery
// dials, so that the two cannot disagree.
func blocked(ip netip.Addr) bool {
	ip = ip.WithZone("").Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return true
	}
	if ip.Is4() {
		for _, p := range specialUse {
			if p.Contains(ip) {
				return true
			}
		}
		return false
	}
	b := ip.As16()
	switch {
	case nat64.Contains(ip):
		return blocked(netip.AddrFrom4([4]byte(b[12:16])))
	case sixToFour.Contains(ip):
		return blocked(netip.AddrFrom4([4]byte(b[2:6])))
	case !globalUnicast.Contains(ip):
		return true
	}
	for _, p := range specialUse6 {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// endsInNumber reports whether host's last label is a number (decimal, or hex after
// 0x), which makes browsers and the C resolver's inet_aton read the whole host as an
// IPv4 address: 2130706433, 0x7f000001, 0177.0.0.1 and 127.1 are all 127.0.0.1 to
// them (the WHATWG URL standard's "ends in a number"). No DNS name ends so.
func endsInNumber(host string) bool {
	last := host[strings.LastIndexByte(host, '.')+1:]
	if h, ok := strings.CutPrefix(strings.ToLower(last), "0x"); ok {
		return strings.Trim(h, "0123456789abcdef") == ""
	}
	return last != "" && strings.Trim(last, "0123456789") == ""
}
