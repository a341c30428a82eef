package loket

import (
	"context"
	"strings"
)

// SettingSelfRegistration is the operator's switch of resellers registering
// themselves (seed 004's auth/register): "on" or "off". It is off unless the operator
// turns it on (`loket setting set self_registration on`, or the dashboard's
// settings); `loket demo` turns it on.
const SettingSelfRegistration = "self_registration"

// legacySelfRegistration is the switch's name before it was named for what it does.
// An installation that set it keeps its choice until the new one is set.
const legacySelfRegistration = "chestcloudx.registration"

// SelfRegistration says whether resellers may register themselves.
func SelfRegistration(ctx context.Context, s SettingService) (bool, error) {
	v, err := s.Setting(ctx, SettingSelfRegistration)
	if err == nil && strings.TrimSpace(v) == "" {
		v, err = s.Setting(ctx, legacySelfRegistration)
	}
	if err != nil {
		return false, err
	}
	return strings.EqualFold(strings.TrimSpace(v), "on"), nil
}
