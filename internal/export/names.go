package export

import (
	"path"
	"strings"
	"time"

	"github.com/flowlog/flowlog/internal/flowlog"
)

// objectName is the flow log an object of a folder or bucket prefix
// belongs to, and the time its key gives, from the key's last segment:
//
//   - the service's <name>-<unix seconds>.log.gz, or the same name
//     decompressed, .log;
//   - AWS's <account>_vpcflowlogs_<region>_<flow log id>_<YYYYMMDDTHHMMZ>_<hash>.log[.gz]:
//     the flow log is its id, fl-….
//
// Other names say nothing about their flow log: ok is false.
func objectName(key string) (name string, t time.Time, ok bool) {
	base := path.Base(key)
	if _, name, t, ok := flowlog.ParseObjectKey(base); ok {
		return name, t, true
	}
	if rest, found := strings.CutSuffix(base, ".log"); found {
		if _, name, t, ok := flowlog.ParseObjectKey(rest + ".log.gz"); ok {
			return name, t, true
		}
	}
	return awsObjectName(base)
}

// awsTimeLayout is the time in AWS's flow log object names, to the minute.
const awsTimeLayout = "20060102T1504Z"

// awsObjectName reads AWS's flow log object names:
// 123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20261124T1340Z_fe123456.log.gz.
func awsObjectName(base string) (name string, t time.Time, ok bool) {
	rest, found := strings.CutSuffix(base, ".log.gz")
	if !found {
		if rest, found = strings.CutSuffix(base, ".log"); !found {
			return "", time.Time{}, false
		}
	}
	parts := strings.Split(rest, "_")
	if len(parts) != 6 || parts[1] != "vpcflowlogs" || parts[0] == "" || parts[2] == "" || parts[5] == "" {
		return "", time.Time{}, false
	}
	id, stamp := parts[3], parts[4]
	if !strings.HasPrefix(id, "fl-") || len(id) == len("fl-") || flowlog.ValidateName(id) != nil {
		return "", time.Time{}, false
	}
	t, err := time.Parse(awsTimeLayout, stamp)
	if err != nil || t.Format(awsTimeLayout) != stamp {
		return "", time.Time{}, false
	}
	return id, t, true
}
