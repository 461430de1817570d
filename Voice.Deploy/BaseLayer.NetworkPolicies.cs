using k8s.Models;

namespace Voice.Deploy;

/// <summary>The base layer's network policies: default deny, DNS, and per service exactly the peers it needs.</summary>
public static partial class BaseLayer
{
    private static V1NetworkPolicy ServicePolicy(DeploymentPlan plan, ServicePlan service)
    {
        var port = new V1NetworkPolicyPort { Port = ManifestExpressions.ProjectPort, Protocol = "TCP" };
        var ingress = new List<V1NetworkPolicyIngressRule>();
        if (service.Public)
        {
            ingress.Add(new V1NetworkPolicyIngressRule { FromProperty = [FromNamespace(IngressControllerNamespace)], Ports = [port] });
        }
        var callers = plan.Services.Where(s => s.Reaches.Contains(service.Name)).Select(s => s.Name).ToList();
        if (callers.Count > 0)
        {
            ingress.Add(new V1NetworkPolicyIngressRule { FromProperty = callers.Select(FromPods).ToList(), Ports = [port] });
        }
        // Internal endpoints (the API's admin listener): only from the operators' namespaces, never the ingress controller.
        foreach (var endpoint in service.InternalEndpoints)
        {
            ingress.Add(new V1NetworkPolicyIngressRule
            {
                FromProperty = [new V1NetworkPolicyPeer { NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [OperatorsLabel] = "true" } } }],
                Ports = [new V1NetworkPolicyPort { Port = endpoint.Port, Protocol = "TCP" }],
            });
        }
        // Prometheus scrapes the metrics port; KEDA reads the pools' backlog there on the API (/queue/stats/<pool>).
        ingress.Add(new V1NetworkPolicyIngressRule
        {
            FromProperty = ServesPoolBacklog(plan, service) ? [FromNamespace(MonitoringNamespace), FromNamespace(KedaNamespace)] : [FromNamespace(MonitoringNamespace)],
            Ports = [new V1NetworkPolicyPort { Port = DeploymentPlan.MetricsPort, Protocol = "TCP" }],
        });

        var egress = new List<V1NetworkPolicyEgressRule>();
        foreach (string target in service.Reaches)
        {
            int targetPort = plan.Infrastructure.FirstOrDefault(i => i.Name == target)?.Port ?? ManifestExpressions.ProjectPort;
            egress.Add(new V1NetworkPolicyEgressRule { To = [FromPods(target)], Ports = [new V1NetworkPolicyPort { Port = targetPort, Protocol = "TCP" }] });
        }
        // OpenTelemetry to the collector.
        egress.Add(new V1NetworkPolicyEgressRule
        {
            To = [FromNamespace(MonitoringNamespace)],
            Ports = [new V1NetworkPolicyPort { Port = 4317, Protocol = "TCP" }, new V1NetworkPolicyPort { Port = 4318, Protocol = "TCP" }],
        });
        if (service.Profile.CallsInternet)
        {
            egress.Add(new V1NetworkPolicyEgressRule
            {
                To = [new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = "0.0.0.0/0", Except = PrivateRanges } }],
                Ports = [new V1NetworkPolicyPort { Port = 443, Protocol = "TCP" }, new V1NetworkPolicyPort { Port = 80, Protocol = "TCP" }],
            });
        }
        return new V1NetworkPolicy
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "NetworkPolicy",
            Metadata = Meta(service.Name),
            Spec = new V1NetworkPolicySpec
            {
                PodSelector = new V1LabelSelector { MatchLabels = Selector(service.Name) },
                PolicyTypes = ["Ingress", "Egress"],
                Ingress = ingress,
                Egress = egress,
            },
        };
    }

    /// <summary>
    /// Prometheus Operator's PodMonitor: scrape the pods' metrics port, with the job the alert rules and the
    /// dashboard expect (<c>voice-&lt;service&gt;</c>).
    /// </summary>
    private static PodMonitor Scrape(ServicePlan service) => new()
    {
        Metadata = Meta(service.Name),
        Spec = new PodMonitorSpec
        {
            Selector = new V1LabelSelector { MatchLabels = Selector(service.Name) },
            PodMetricsEndpoints =
            [
                new PodMetricsEndpoint
                {
                    Port = "metrics",
                    Path = "/metrics",
                    Interval = "30s",
                    Relabelings = [new RelabelConfig { TargetLabel = "job", Replacement = $"voice-{service.Name}" }],
                },
            ],
        },
    };

    private static V1NetworkPolicy DefaultDeny() => new()
    {
        ApiVersion = "networking.k8s.io/v1",
        Kind = "NetworkPolicy",
        Metadata = Meta("default-deny"),
        Spec = new V1NetworkPolicySpec { PodSelector = new V1LabelSelector(), PolicyTypes = ["Ingress", "Egress"] },
    };

    private static V1NetworkPolicy AllowDns() => new()
    {
        ApiVersion = "networking.k8s.io/v1",
        Kind = "NetworkPolicy",
        Metadata = Meta("allow-dns"),
        Spec = new V1NetworkPolicySpec
        {
            PodSelector = new V1LabelSelector(),
            PolicyTypes = ["Egress"],
            Egress =
            [
                new V1NetworkPolicyEgressRule
                {
                    To = [new V1NetworkPolicyPeer
                    {
                        NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = "kube-system" } },
                        PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["k8s-app"] = "kube-dns" } },
                    }],
                    Ports = [new V1NetworkPolicyPort { Port = 53, Protocol = "UDP" }, new V1NetworkPolicyPort { Port = 53, Protocol = "TCP" }],
                },
            ],
        },
    };
}
