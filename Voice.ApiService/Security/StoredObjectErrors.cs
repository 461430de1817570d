using Microsoft.AspNetCore.Diagnostics;
using Voice.ApiService.Model;
using Voice.Core.Crypto;

namespace Voice.ApiService.Security;

/// <summary>
/// A stored object that fails decryption while it is being sent (a damaged segment after the first, found as
/// the response streams) becomes the <c>stored-object-unreadable</c> problem when nothing was sent yet;
/// otherwise the connection is cut, so no client takes a truncated file for a whole one.
/// </summary>
public sealed partial class StoredObjectErrors(IProblemDetailsService problems, ILogger<StoredObjectErrors> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BlobCipherException unreadable)
        {
            return false;
        }
        LogUnreadable(logger, context.Request.Path, unreadable.Failure, exception);
        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status500InternalServerError,
                Type = Problems.StoredObjectUnreadable,
                Title = "The stored audio cannot be read.",
                Detail = "It failed its integrity check or its key no longer exists; nothing of it was sent.",
            },
        });
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A stored object could not be decrypted for {Path} ({Failure})")]
    private static partial void LogUnreadable(ILogger logger, string path, BlobCipherFailure failure, Exception exception);
}
