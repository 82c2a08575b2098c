// A fixture for the layering test: base reaching up into the manager must
// be reported (this tree is never built).
#include "initd/run/manager.h"
