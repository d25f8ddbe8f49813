package kube

import "testing"

func TestParseTarget(t *testing.T) {
	cases := []struct {
		in      string
		want    TargetRef
		wantErr string
	}{
		{in: "reviews-v1-545db77b95-2pkbx", want: TargetRef{Kind: KindPod, Name: "reviews-v1-545db77b95-2pkbx"}},
		{in: "reviews-v1-545db77b95-2pkbx.default", want: TargetRef{Kind: KindPod, Name: "reviews-v1-545db77b95-2pkbx", Namespace: "default"}},
		{in: "my.dotted.pod.prod", want: TargetRef{Kind: KindPod, Name: "my.dotted.pod", Namespace: "prod"}},
		{in: "pod/x.ns", want: TargetRef{Kind: KindPod, Name: "x", Namespace: "ns"}},
		{in: "po/x", want: TargetRef{Kind: KindPod, Name: "x"}},
		{in: "deployment/reviews-v1", want: TargetRef{Kind: KindDeployment, Name: "reviews-v1"}},
		{in: "deploy/reviews-v1.bookinfo", want: TargetRef{Kind: KindDeployment, Name: "reviews-v1", Namespace: "bookinfo"}},
		{in: "deployments.apps/x", want: TargetRef{Kind: KindDeployment, Name: "x"}},
		{in: "Deployment.apps/x", want: TargetRef{Kind: KindDeployment, Name: "x"}},
		{in: "sts/db.data", want: TargetRef{Kind: KindStatefulSet, Name: "db", Namespace: "data"}},
		{in: "statefulsets/db", want: TargetRef{Kind: KindStatefulSet, Name: "db"}},
		{in: "ds/agent", want: TargetRef{Kind: KindDaemonSet, Name: "agent"}},
		{in: "daemonset/agent", want: TargetRef{Kind: KindDaemonSet, Name: "agent"}},
		{in: "rs/web-5d4f", want: TargetRef{Kind: KindReplicaSet, Name: "web-5d4f"}},
		{in: "replicaset/web-5d4f.ns", want: TargetRef{Kind: KindReplicaSet, Name: "web-5d4f", Namespace: "ns"}},
		{in: "svc/productpage.bookinfo", want: TargetRef{Kind: KindService, Name: "productpage", Namespace: "bookinfo"}},
		{in: "service/productpage", want: TargetRef{Kind: KindService, Name: "productpage"}},
		{in: "job/x", wantErr: `unknown kind "job" in target "job/x": use pod, deployment, statefulset, daemonset, replicaset or service`},
		{in: "deploy/a/b", wantErr: `invalid target "deploy/a/b": use <pod>[.<namespace>] or <kind>/<name>[.<namespace>]`},
		{in: "x.", wantErr: `invalid target "x.": nothing after the dot; use <name>.<namespace>`},
		{in: ".ns", wantErr: `invalid target ".ns": no name`},
		{in: "deploy/", wantErr: `invalid target "deploy/": no name`},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseTarget(tc.in)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestTargetRefString(t *testing.T) {
	for in, want := range map[string]string{"x": "x", "x.ns": "x.ns", "deploy/x.ns": "deployment/x.ns", "svc/y": "service/y"} {
		ref, err := ParseTarget(in)
		if err != nil || ref.String() != want {
			t.Errorf("%s: String() = %q (%v), want %q", in, ref.String(), err, want)
		}
	}
}
