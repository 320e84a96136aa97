package ask

import (
	"context"
	"errors"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// TestSubnetQueries: routes and rules of any subnet by VNET/SUBNET or ID, including subnets no
// NIC is in (cli.md "routes / rules").
func TestSubnetQueries(t *testing.T) {
	s, ctx, opts := example(t), context.Background(), DefaultOptions()
	for _, ref := range []string{"vnet-hub/GatewaySubnet", "VNET-HUB/azurefirewallsubnet", "vnet-spoke-app/snet-app"} {
		a, err := Routes(ctx, s, RoutesQuery{Subnet: ref}, opts)
		if err != nil || a.NIC != nil || len(a.Routes) == 0 {
			t.Errorf("Routes(%s) = %+v, %v; want the subnet's routes", ref, a, err)
			continue
		}
		byID, err := Routes(ctx, s, RoutesQuery{Subnet: string(a.Subnet.ID)}, opts)
		if err != nil || byID.Subnet != a.Subnet {
			t.Errorf("Routes(%s) by ID = %+v, %v", a.Subnet.ID, byID, err)
		}
		r, err := Rules(ctx, s, RulesQuery{Subnet: ref}, opts)
		if err != nil || r.NSGs == nil || r.Subnet != a.Subnet {
			t.Errorf("Rules(%s) = %+v, %v", ref, r, err)
		}
	}
	var nf *model.NotFoundError
	for _, ref := range []string{"vnet-hub/nope", "vnet-hub", "a/b/c"} {
		if _, err := Routes(ctx, s, RoutesQuery{Subnet: ref}, opts); !errors.As(err, &nf) {
			t.Errorf("Routes(%s) error = %v, want NotFoundError", ref, err)
		}
	}
}
