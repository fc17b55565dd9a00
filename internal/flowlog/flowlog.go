// Package flowlog owns the flow log configuration model and its validation:
// the resource a flow log watches, what it captures, where it writes, and the
// names of the objects it writes there.
//
// Everything here is pure: no I/O, no clock. The engine stores what this
// package accepts, and the CLI reports what it rejects.
package flowlog

import (
	"fmt"
	"strings"
	"time"
)

// ResourceType is the kind of resource a flow log is attached to. The
// lower-case spelling is the one stored and printed.
type ResourceType string

// The resources that can carry a flow log.
const (
	NIC        ResourceType = "nic"
	NATGateway ResourceType = "natgateway"
	NLB        ResourceType = "nlb"
	ALB        ResourceType = "alb"
)

// ResourceTypes lists every resource type in the order help text shows them.
var ResourceTypes = []ResourceType{NIC, NATGateway, NLB, ALB}

// Direction is the traffic direction a flow log captures, in the Cloud API
// spelling.
type Direction string

// The directions a flow log can capture.
const (
	Ingress       Direction = "INGRESS"
	Egress        Direction = "EGRESS"
	Bidirectional Direction = "BIDIRECTIONAL"
)

// Action is the firewall verdict a flow log captures, in the Cloud API
// spelling. It is not the ACCEPT/REJECT written in each record.
type Action string

// The firewall verdicts a flow log can capture.
const (
	Accepted Action = "ACCEPTED"
	Rejected Action = "REJECTED"
	All      Action = "ALL"
)

// State is the provisioning state of a flow log as the Cloud API reports it.
type State string

// The provisioning states.
const (
	Available State = "AVAILABLE"
	Busy      State = "BUSY"
	Inactive  State = "INACTIVE"
)

// FlowLog is one flow log configuration. Once created it never changes: the
// service only allows delete and create again.
type FlowLog struct {
	ID           string
	Name         string
	ResourceType ResourceType
	ResourceID   string
	// DatacenterID and ServerID locate the resource in the Cloud API; both
	// are optional ("") because the flow log rules do not depend on them.
	DatacenterID string
	ServerID     string
	Direction    Direction
	Action       Action
	Bucket       string
	// Prefix is optional (""); when set it is a single key segment.
	Prefix    string
	State     State
	CreatedAt time.Time // UTC
}

// Target is where the flow log writes, in the form the --bucket flag takes:
// "bucket" or "bucket/prefix".
func (f FlowLog) Target() string {
	if f.Prefix == "" {
		return f.Bucket
	}
	return f.Bucket + "/" + f.Prefix
}

// Validate checks a complete configuration and returns the first problem as
// a *ValidationError. ID and CreatedAt are not checked: the engine assigns
// them. State is checked only when set.
func (f FlowLog) Validate() error {
	if err := ValidateName(f.Name); err != nil {
		return err
	}
	if !isStoredResourceType(f.ResourceType) {
		return &ValidationError{Field: "type", Value: string(f.ResourceType), Reason: "want nic, natgateway, nlb or alb"}
	}
	if err := ValidateResourceID(string(f.ResourceType), f.ResourceID); err != nil {
		return err
	}
	if f.DatacenterID != "" {
		if err := ValidateResourceID("datacenter", f.DatacenterID); err != nil {
			return err
		}
	}
	if f.ServerID != "" {
		if err := ValidateResourceID("server", f.ServerID); err != nil {
			return err
		}
	}
	if !isStoredDirection(f.Direction) {
		return &ValidationError{Field: "direction", Value: string(f.Direction), Reason: "want INGRESS, EGRESS or BIDIRECTIONAL"}
	}
	if !isStoredAction(f.Action) {
		return &ValidationError{Field: "action", Value: string(f.Action), Reason: "want ACCEPTED, REJECTED or ALL"}
	}
	if err := ValidateBucket(f.Bucket); err != nil {
		return err
	}
	if f.Prefix != "" {
		if err := ValidatePrefix(f.Prefix); err != nil {
			return err
		}
	}
	if f.State != "" && f.State != Available && f.State != Busy && f.State != Inactive {
		return &ValidationError{Field: "state", Value: string(f.State), Reason: "want AVAILABLE, BUSY or INACTIVE"}
	}
	return nil
}

// Validate insists on the stored spelling: a FlowLog built by hand with
// "Ingress" would otherwise pass here and then fail the database CHECK.
func isStoredResourceType(t ResourceType) bool {
	return t == NIC || t == NATGateway || t == NLB || t == ALB
}

func isStoredDirection(d Direction) bool {
	return d == Ingress || d == Egress || d == Bidirectional
}

func isStoredAction(a Action) bool {
	return a == Accepted || a == Rejected || a == All
}

// ParseResourceType accepts a resource type in any case. Besides the stored
// spellings it takes the Cloud API path words "nat-gateway",
// "networkloadbalancer" and "applicationloadbalancer".
func ParseResourceType(s string) (ResourceType, error) {
	switch strings.ToLower(s) {
	case "nic":
		return NIC, nil
	case "natgateway", "nat-gateway":
		return NATGateway, nil
	case "nlb", "networkloadbalancer":
		return NLB, nil
	case "alb", "applicationloadbalancer":
		return ALB, nil
	}
	return "", &ValidationError{Field: "type", Value: s, Reason: "want nic, natgateway, nlb or alb"}
}

// ParseDirection accepts a direction in any case.
func ParseDirection(s string) (Direction, error) {
	switch d := Direction(strings.ToUpper(s)); d {
	case Ingress, Egress, Bidirectional:
		return d, nil
	}
	return "", &ValidationError{Field: "direction", Value: s, Reason: "want ingress, egress or bidirectional"}
}

// ParseAction accepts an action in any case.
func ParseAction(s string) (Action, error) {
	switch a := Action(strings.ToUpper(s)); a {
	case Accepted, Rejected, All:
		return a, nil
	}
	return "", &ValidationError{Field: "action", Value: s, Reason: "want accepted, rejected or all"}
}

// DefaultName is the name a flow log gets when the user gives none: the
// resource type and the first eight hex digits of the resource ID, e.g.
// "nic-7ffd6527". The same resource always gets the same name.
func DefaultName(t ResourceType, resourceID string) string {
	hex := strings.ToLower(strings.ReplaceAll(resourceID, "-", ""))
	if len(hex) > 8 {
		hex = hex[:8]
	}
	return fmt.Sprintf("%s-%s", t, hex)
}
