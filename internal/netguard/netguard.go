// Package netguard decides whether Dialtone may send a request to a URL its users gave: a
// webhook endpoint must not reach the server's own network (loopback, private ranges, the
// cloud metadata address…) unless the operator allows it. Endpoints are checked when they are
// created or changed, and again at delivery, because a name can resolve elsewhere by then.
package netguard

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// Resolver looks up the addresses of a host name; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Policy is what the operator allows beyond public https:// destinations.
type Policy struct {
	AllowHTTP    bool // plain http:// URLs (--allow-http-webhooks)
	AllowPrivate bool // destinations that are not public addresses (--allow-private-webhooks)
}

// Reason says why a URL is refused.
type Reason string

// The reasons of an Error.
const (
	ReasonInvalid        Reason = "invalid"         // not an absolute http(s) URL with a host and no userinfo
	ReasonScheme         Reason = "scheme"          // http:// without Policy.AllowHTTP, or another scheme
	ReasonPrivateAddress Reason = "private_address" // an address that is not public
	ReasonUnresolvable   Reason = "unresolvable"    // the host name has no address
)

// Error is a refused URL.
type Error struct {
	Reason Reason
	Host   string     // the URL's host (without port)
	Addr   netip.Addr // for ReasonPrivateAddress, the offending address
	msg    string
}

func (e *Error) Error() string { return e.msg }

// CheckURL returns nil when rawURL may be sent to under p, else an *Error. The URL must be
// absolute, https:// (or http:// with p.AllowHTTP), with a host and without userinfo. Unless
// p.AllowPrivate, its host (an IP literal, or a name looked up through r) must have at least
// one address, and every address must be public (IsPublic): one private address among public
// ones is enough to refuse, since the sender may connect to any of them.
func CheckURL(ctx context.Context, r Resolver, rawURL string, p Policy) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return &Error{Reason: ReasonInvalid, msg: "The URL could not be parsed."}
	}
	if u.Scheme == "" {
		return &Error{Reason: ReasonInvalid, msg: "The URL must be absolute, such as https://example.com/path."}
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && p.AllowHTTP:
	case u.Scheme == "http":
		return &Error{Reason: ReasonScheme, Host: u.Hostname(),
			msg: "The URL must use https://; this server does not allow plain http:// destinations."}
	default:
		return &Error{Reason: ReasonScheme, Host: u.Hostname(),
			msg: fmt.Sprintf("The URL must be an https:// URL; got scheme %q.", u.Scheme)}
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return &Error{Reason: ReasonInvalid, msg: "The URL must be absolute, with a host, such as https://example.com/path."}
	}
	if u.User != nil {
		return &Error{Reason: ReasonInvalid, Host: u.Hostname(), msg: "The URL must not hold a user name or password."}
	}
	if p.AllowPrivate {
		return nil
	}
	host := u.Hostname()
	addrs, err := Resolve(ctx, r, host)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		if err := CheckAddr(a, p); err != nil {
			e := err.(*Error)
			e.Host = host
			if ip, perr := netip.ParseAddr(host); perr != nil || ip.WithZone("") != a {
				e.msg = fmt.Sprintf("%s resolves to %s, which is not a public address.", host, a)
			}
			return e
		}
	}
	return nil
}

// Resolve returns the addresses of host: the address itself for an IP literal, else those r
// looks up. No address, or a failed look-up, is an *Error with ReasonUnresolvable.
func Resolve(ctx context.Context, r Resolver, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	var addrs []netip.Addr
	var err error
	if r != nil {
		addrs, err = r.LookupNetIP(ctx, "ip", strings.TrimSuffix(host, "."))
	}
	if err != nil || len(addrs) == 0 {
		return nil, &Error{Reason: ReasonUnresolvable, Host: host,
			msg: fmt.Sprintf("The host name %s could not be resolved to an address.", host)}
	}
	return addrs, nil
}

// CheckAddr returns an *Error with ReasonPrivateAddress when a is not public and p does not
// allow private destinations; a sender's dialer calls it for the address it connects to.
func CheckAddr(a netip.Addr, p Policy) error {
	if p.AllowPrivate || IsPublic(a) {
		return nil
	}
	return &Error{Reason: ReasonPrivateAddress, Addr: a,
		msg: fmt.Sprintf("%s is not a public address.", a)}
}

// nonPublic are the special-purpose ranges IsPublic refuses beyond those netip classifies
// (loopback, private, link-local, multicast, unspecified).
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),          // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),      // carrier-grade NAT (RFC 6598)
	netip.MustParsePrefix("192.0.0.0/24"),       // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),       // documentation (TEST-NET-1)
	netip.MustParsePrefix("198.18.0.0/15"),      // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"),    // documentation (TEST-NET-2)
	netip.MustParsePrefix("203.0.113.0/24"),     // documentation (TEST-NET-3)
	netip.MustParsePrefix("240.0.0.0/4"),        // reserved, and 255.255.255.255 broadcast
	netip.MustParsePrefix("::/96"),              // IPv4-compatible (deprecated) and ::, ::1
	netip.MustParsePrefix("100::/64"),           // discard-only
	netip.MustParsePrefix("2001:db8::/32"),      // documentation
	netip.MustParsePrefix("fec0::/10"),          // site-local (deprecated)
	netip.MustParsePrefix("2001::/32"),          // Teredo: tunnels to an embedded IPv4 address
	netip.MustParsePrefix("64:ff9b:1::/48"),     // local-use NAT64
	netip.MustParsePrefix("ff00::/8"),           // multicast (also caught by IsMulticast)
	netip.MustParsePrefix("fc00::/7"),           // unique local (also caught by IsPrivate)
	netip.MustParsePrefix("169.254.169.254/32"), // cloud metadata (also link-local)
}

// nat64 and sixToFour embed an IPv4 address, which must itself be public.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// IsPublic reports whether a is a globally routable unicast address: not loopback, private
// (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, where the cloud metadata
// service lives, and fe80::/10), unspecified, multicast, carrier-grade NAT (100.64/10) or
// another special-purpose range; IPv4-mapped (::ffff:a.b.c.d), NAT64 and 6to4 forms are
// judged by the IPv4 address they carry. The invalid zero Addr is not public.
func IsPublic(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	a = a.WithZone("").Unmap()
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	b := a.As16()
	switch {
	case nat64.Contains(a):
		return IsPublic(netip.AddrFrom4([4]byte(b[12:16])))
	case sixToFour.Contains(a):
		return IsPublic(netip.AddrFrom4([4]byte(b[2:6])))
	}
	return true
}
