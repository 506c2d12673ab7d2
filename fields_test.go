package medperf

import "encoding/json"

func ptr[T any](v T) *T { return &v }

func ptrRaw(s string) *json.RawMessage { r := json.RawMessage(s); return &r }
