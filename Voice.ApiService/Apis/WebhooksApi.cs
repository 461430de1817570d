using System.Net;
using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.Core.Audit;
using Voice.Core.Jobs;
using Voice.Core.Webhooks;

namespace Voice.ApiService.Apis;

/// <summary>
/// A tenant's webhook endpoints (scope <c>webhooks:admin</c>): the signing secret is shown once at creation;
/// deliveries are signed (<c>Voice-Signature</c>), retried with backoff for about a day, and logged per endpoint.
/// </summary>
public static class WebhooksApi
{
    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var hooks = app.MapGroup("/api/v1/webhooks").WithTags("Webhooks").RequireAuthorization(Policies.Scope(Scopes.WebhooksAdmin));

        hooks.MapPost("/", CreateAsync).Accepts<CreateWebhookRequest>("application/json").WithSummary("Add an endpoint; its signing secret is in this answer only");
        hooks.MapGet("/", ListAsync).WithSummary("The tenant's endpoints");
        hooks.MapGet("/{id:guid}", GetAsync).WithSummary("One endpoint");
        hooks.MapPatch("/{id:guid}", UpdateAsync).Accepts<UpdateWebhookRequest>("application/json").WithSummary("Change URL, events, description, or enable/disable");
        hooks.MapDelete("/{id:guid}", DeleteAsync).WithSummary("Remove an endpoint");
        hooks.MapGet("/{id:guid}/deliveries", DeliveriesAsync).WithSummary("The endpoint's delivery log, newest first");
        hooks.MapPost("/{id:guid}/test", TestAsync).WithSummary("Send a signed webhook.test event now; answers what the endpoint answered");
        hooks.MapPost("/callback-secret", RotateCallbackSecretAsync)
            .WithSummary("Create or replace the secret that signs per-task callback_url deliveries; shown once");
        return app;
    }

    public static async Task<Results<Created<CreatedWebhook>, ProblemHttpResult>> CreateAsync(
        HttpContext context, WebhookStore store, SsrfGuard guard, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.CreateWebhookRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        await ValidateUrlAsync(errors, request!.Url, guard, cancellationToken);
        var events = ValidateEvents(errors, request.Events ?? TaskEvent.Deliverable);
        string? description = Validation.Name(errors, "description", request.Description, required: false);
        if (errors.Count > 0)
        {
            return Problems.ValidationFailed(errors);
        }
        var caller = context.Caller();
        var (secret, info) = await store.CreateAsync(caller.TenantId, request.Url!, events!, description, caller.Actor, cancellationToken);
        return TypedResults.Created($"/api/v1/webhooks/{info.Id}", new CreatedWebhook(secret, View(info)));
    }

    public static async Task<Ok<WebhookList>> ListAsync(HttpContext context, WebhookStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new WebhookList([.. (await store.ListAsync(context.Caller().TenantId, cancellationToken)).Select(View)]));

    public static async Task<Results<Ok<WebhookView>, ProblemHttpResult>> GetAsync(Guid id, HttpContext context, WebhookStore store, AuditLog audit, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        return await store.GetAsync(caller.TenantId, id, cancellationToken) is { } info
            ? TypedResults.Ok(View(info))
            : await NotFoundAsync(caller, id, audit, cancellationToken);
    }

    public static async Task<Results<Ok<WebhookView>, ProblemHttpResult>> UpdateAsync(
        Guid id, HttpContext context, WebhookStore store, SsrfGuard guard, AuditLog audit, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.UpdateWebhookRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        if (request!.Url is not null)
        {
            await ValidateUrlAsync(errors, request.Url, guard, cancellationToken);
        }
        var events = request.Events is null ? null : ValidateEvents(errors, request.Events);
        string? description = Validation.Name(errors, "description", request.Description, required: false);
        if (errors.Count > 0)
        {
            return Problems.ValidationFailed(errors);
        }
        var caller = context.Caller();
        return await store.UpdateAsync(caller.TenantId, id, request.Url, events, description, request.Enabled, caller.Actor, cancellationToken) is { } info
            ? TypedResults.Ok(View(info))
            : await NotFoundAsync(caller, id, audit, cancellationToken);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid id, HttpContext context, WebhookStore store, AuditLog audit, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        return await store.DeleteAsync(caller.TenantId, id, caller.Actor, cancellationToken)
            ? TypedResults.NoContent()
            : await NotFoundAsync(caller, id, audit, cancellationToken);
    }

    public static async Task<Results<Ok<DeliveryList>, ProblemHttpResult>> DeliveriesAsync(
        Guid id, int? limit, HttpContext context, WebhookStore store, AuditLog audit, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        if (await store.GetAsync(caller.TenantId, id, cancellationToken) is null)
        {
            return await NotFoundAsync(caller, id, audit, cancellationToken);
        }
        var deliveries = await store.ListDeliveriesAsync(caller.TenantId, id, Math.Clamp(limit ?? 50, 1, 500), cancellationToken);
        return TypedResults.Ok(new DeliveryList([.. deliveries.Select(d => new DeliveryView(d.Id, d.TaskId, d.Event, d.Status, d.Attempts,
            d.NextAttemptAt, d.LastStatusCode, d.LastError, d.CreatedAt, d.DeliveredAt))]));
    }

    /// <summary>
    /// Sends a <c>webhook.test</c> event through the same sender as real deliveries (signature, SSRF guard, timeout) and
    /// reports the endpoint's answer. 200 either way: the test ran; <c>delivered</c> says how it went.
    /// </summary>
    public static async Task<Results<Ok<WebhookTestResult>, ProblemHttpResult>> TestAsync(
        Guid id, HttpContext context, [AsParameters] WebhookTestServices services, CancellationToken cancellationToken)
    {
        var (store, sender, audit, clock) = (services.Store, services.Sender, services.Audit, services.Clock);
        var caller = context.Caller();
        if (await store.TestDeliveryAsync(caller.TenantId, id, cancellationToken) is not { } delivery)
        {
            return await NotFoundAsync(caller, id, audit, cancellationToken);
        }
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        var (delivered, status, error) = await sender.SendAsync(delivery, clock.GetUtcNow(), cancellationToken);
        double ms = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return TypedResults.Ok(new WebhookTestResult(delivery.Id, delivered, status, error, Math.Round(ms, 1)));
    }

    public static async Task<Ok<CallbackSecret>> RotateCallbackSecretAsync(HttpContext context, WebhookStore store, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        return TypedResults.Ok(new CallbackSecret(await store.RotateCallbackSecretAsync(caller.TenantId, caller.Actor, cancellationToken)));
    }

    private static WebhookView View(WebhookInfo info) =>
        new(info.Id, info.Url, info.Events, info.Description, info.DisabledAt is null, info.CreatedAt);

    private static IReadOnlyList<string>? ValidateEvents(Dictionary<string, string[]> errors, IReadOnlyList<string> events)
    {
        if (events.Count == 0 || events.Any(e => !TaskEvent.Deliverable.Contains(e)))
        {
            errors["events"] = [$"One or more of: {string.Join(", ", TaskEvent.Deliverable)}."];
            return null;
        }
        return [.. events.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Rejects what can never be delivered: bad URLs, and hosts that resolve only to forbidden addresses.</summary>
    private static async Task ValidateUrlAsync(Dictionary<string, string[]> errors, string? url, SsrfGuard guard, CancellationToken cancellationToken)
    {
        if (guard.CheckUrl(url) is { } problem)
        {
            errors["url"] = [problem];
            return;
        }
        var host = new Uri(url!).IdnHost;
        if (IPAddress.TryParse(host, out _))
        {
            return;
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            var addresses = await Dns.GetHostAddressesAsync(host, timeout.Token);
            if (addresses.Length > 0 && !addresses.Any(guard.IsAllowed))
            {
                errors["url"] = ["The host resolves only to private, loopback or link-local addresses."];
            }
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException)
        {
            // Not resolvable now: deliveries will retry, and each is checked again when it is sent.
        }
    }

    private static async Task<ProblemHttpResult> NotFoundAsync(CallerIdentity caller, Guid id, AuditLog audit, CancellationToken cancellationToken)
    {
        await audit.RecordForeignAccessAsync(caller.TenantId, "webhook", id.ToString(), caller.Actor, cancellationToken);
        return Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "Webhook not found.", $"There is no webhook '{id}'.");
    }
}
