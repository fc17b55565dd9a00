package expr

// ProtocolName is the name the language gives IANA protocol number v
// ("tcp" for 6), or "" when it has none.
func ProtocolName(v uint64) string {
	name, _ := protocolName(v)
	return name
}

// PortName is the name the language gives port v ("ssh" for 22), or ""
// when it has none.
func PortName(v uint64) string {
	for name, port := range portNames {
		if port == v {
			return name
		}
	}
	return ""
}
