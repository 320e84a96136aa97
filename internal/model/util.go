package model

import "strings"

func eqFold(a, b string) bool { return strings.EqualFold(a, b) }
