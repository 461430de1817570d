using k8s.Models;

namespace Voice.Deploy;

/// <summary>The dev overlay's in-namespace infrastructure, and the prod overlay's egress to managed services.</summary>
public static partial class Overlays
{
    /// <summary>Redis, Postgres and Azurite for a development cluster: a StatefulSet, a Service and a policy that admits only their clients.</summary>
    private static IEnumerable<object> Infrastructure(DeploymentPlan plan, InfrastructurePlan infra)
    {
        long user = infra.Image.Contains("azurite", StringComparison.Ordinal) ? 1000 : 999; // the images' own non-root users
        var mounts = infra.Volumes.Select(v => new V1VolumeMount { Name = v.Name, MountPath = v.Target, ReadOnlyProperty = v.ReadOnly ? true : null }).ToList();
        var scratch = new List<V1Volume> { new() { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() } };
        mounts.Add(new V1VolumeMount { Name = "tmp", MountPath = "/tmp" });
        if (infra.Image.Contains("postgres", StringComparison.Ordinal))
        {
            // Postgres keeps its socket and lock file here; the root filesystem stays read-only.
            scratch.Add(new V1Volume { Name = "run", EmptyDir = new V1EmptyDirVolumeSource() });
            mounts.Add(new V1VolumeMount { Name = "run", MountPath = "/var/run/postgresql" });
        }
        var probe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = infra.Port }, PeriodSeconds = 10, FailureThreshold = 3 };
        yield return new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = BaseLayer.Meta(infra.Name),
            Spec = new V1ServiceSpec
            {
                ClusterIP = "None", // headless: the StatefulSet's governing Service
                Selector = BaseLayer.Selector(infra.Name),
                Ports = [new V1ServicePort { Name = "tcp", Port = infra.Port, TargetPort = infra.Port, Protocol = "TCP" }],
            },
        };
        yield return new V1StatefulSet
        {
            ApiVersion = "apps/v1",
            Kind = "StatefulSet",
            Metadata = BaseLayer.Meta(infra.Name),
            Spec = new V1StatefulSetSpec
            {
                ServiceName = infra.Name,
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = BaseLayer.Selector(infra.Name) },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = BaseLayer.Selector(infra.Name) },
                    Spec = new V1PodSpec
                    {
                        AutomountServiceAccountToken = false,
                        SecurityContext = BaseLayer.PodSecurity(user),
                        Containers = [new V1Container
                        {
                            Name = infra.Name,
                            Image = infra.Image,
                            Command = infra.Entrypoint is null ? null : [infra.Entrypoint],
                            Args = infra.Args.Count == 0 ? null : infra.Args.ToList(),
                            Env = infra.Settings.Select(s => s.SecretKey is null
                                ? new V1EnvVar { Name = s.Name, Value = s.Value }
                                : new V1EnvVar { Name = s.Name, ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = DeploymentPlan.SecretName, Key = s.SecretKey } } }).ToList(),
                            Ports = [new V1ContainerPort { Name = "tcp", ContainerPort = infra.Port, Protocol = "TCP" }],
                            Resources = BaseLayer.Resources("100m", "128Mi", "1", "1Gi"),
                            ReadinessProbe = probe,
                            LivenessProbe = probe,
                            SecurityContext = BaseLayer.ContainerSecurity(),
                            VolumeMounts = mounts,
                        }],
                        Volumes = scratch,
                    },
                },
                VolumeClaimTemplates = infra.Volumes.Select(v => new V1PersistentVolumeClaim
                {
                    Metadata = new V1ObjectMeta { Name = v.Name },
                    Spec = new V1PersistentVolumeClaimSpec
                    {
                        AccessModes = ["ReadWriteOnce"],
                        Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("2Gi") } },
                    },
                }).ToList(),
            },
        };
        var clients = plan.Services.Where(s => s.Reaches.Contains(infra.Name)).Select(s => BaseLayer.FromPods(s.Name)).ToList();
        yield return new V1NetworkPolicy
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "NetworkPolicy",
            Metadata = BaseLayer.Meta(infra.Name),
            Spec = new V1NetworkPolicySpec
            {
                PodSelector = new V1LabelSelector { MatchLabels = BaseLayer.Selector(infra.Name) },
                PolicyTypes = ["Ingress", "Egress"],
                Ingress = [new V1NetworkPolicyIngressRule { FromProperty = clients, Ports = [new V1NetworkPolicyPort { Port = infra.Port, Protocol = "TCP" }] }],
            },
        };
    }

    /// <summary>
    /// Production reaches managed Postgres and Redis, often at private addresses: the services that use them (per
    /// the manifest) may open those ports anywhere. Narrow the CIDR to your services' ranges.
    /// </summary>
    private static V1NetworkPolicy ManagedServicesEgress(DeploymentPlan plan)
    {
        var clients = plan.Services.Where(s => s.Reaches.Overlaps(plan.Infrastructure.Select(i => i.Name))).Select(s => s.Name).Order(StringComparer.Ordinal).ToList();
        return new V1NetworkPolicy
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "NetworkPolicy",
            Metadata = BaseLayer.Meta("managed-services"),
            Spec = new V1NetworkPolicySpec
            {
                PodSelector = new V1LabelSelector
                {
                    MatchExpressions = [new V1LabelSelectorRequirement { Key = BaseLayer.NameLabel, OperatorProperty = "In", Values = clients }],
                },
                PolicyTypes = ["Egress"],
                Egress =
                [
                    new V1NetworkPolicyEgressRule
                    {
                        To = [new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = "0.0.0.0/0" } }],
                        // Not 443: blob storage is reached through the services' internet rule, which excludes private
                        // ranges (policies add up, so opening 443 here would let webhooks reach private addresses).
                        Ports = new[] { 5432, 6379, 6380 }.Select(p => new V1NetworkPolicyPort { Port = p, Protocol = "TCP" }).ToList(),
                    },
                ],
            },
        };
    }
}
