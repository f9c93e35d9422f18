package conformance

import "testing"

// relatedResources checks pluginresult, plugin and plugin launching.
func (s *suite) relatedResources(t *testing.T) {}
