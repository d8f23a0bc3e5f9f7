# azd postdeploy hook (PowerShell twin of scripts/postdeploy.sh; keep the two in step).
#
# Creates, or updates in place (a PUT is create-or-update, so every run is safe to repeat),
# the Event Grid subscription that sends Microsoft.Storage.BlobCreated events of the `uploads`
# container up to THUMBNAIL_MAX_BYTES, made by an upload (data.api in UPLOAD_APIS), to the
# blobs extension webhook of the deployed app (infra/modules/event-grid.bicep sends the others
# to reject_upload's queue):
#   https://<app host>/runtime/webhooks/blobs?functionName=Host.Functions.<function>&code=<key>
# The key is the host's `blobs_extension` system key, which exists only once the deployed code
# runs. Undeliverable events go to a dead-letter container, written with the system topic's
# own identity. The body, which holds the key, goes to az through a private temporary file:
# never on a command line, where Windows' az.cmd would also split the URL at its '&'.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$ApiVersion = '2022-06-15'
$SubscriptionName = if ($env:EVENT_SUBSCRIPTION_NAME) { $env:EVENT_SUBSCRIPTION_NAME } else { 'uploads-to-make-thumbnail' }
$Attempts = if ($env:POSTDEPLOY_ATTEMPTS) { [int]$env:POSTDEPLOY_ATTEMPTS } else { 30 }
$Pause = if ($env:POSTDEPLOY_PAUSE_SECONDS) { [int]$env:POSTDEPLOY_PAUSE_SECONDS } else { 10 }

function Fail([string]$Message) {
    Write-Error "postdeploy: $Message" -ErrorAction Continue
    exit 1
}

if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
    Fail 'the Azure CLI (az) is required: https://aka.ms/azure-cli'
}

$required = @('AZURE_SUBSCRIPTION_ID', 'AZURE_RESOURCE_GROUP', 'AZURE_FUNCTION_APP_NAME', 'SERVICE_API_URI',
    'UPLOADS_STORAGE_ACCOUNT_ID', 'EVENT_GRID_SYSTEM_TOPIC_NAME', 'UPLOADS_CONTAINER_NAME',
    'EVENT_GRID_DEAD_LETTER_CONTAINER_NAME', 'THUMBNAIL_FUNCTION_NAME', 'THUMBNAIL_MAX_BYTES', 'UPLOAD_APIS')
$missing = @($required | Where-Object { -not [Environment]::GetEnvironmentVariable($_) })
if ($missing.Count -gt 0) {
    Fail "missing azd environment values: $($missing -join ' ') (run 'azd provision' first)"
}
if ($env:THUMBNAIL_MAX_BYTES -notmatch '^[0-9]+$') {
    Fail "THUMBNAIL_MAX_BYTES must be a whole number of bytes, not '$env:THUMBNAIL_MAX_BYTES'"
}
$uploadApis = @($env:UPLOAD_APIS | ConvertFrom-Json)

$topic = "/subscriptions/$env:AZURE_SUBSCRIPTION_ID/resourceGroups/$env:AZURE_RESOURCE_GROUP/providers/Microsoft.EventGrid/systemTopics/$env:EVENT_GRID_SYSTEM_TOPIC_NAME"
$subscription = "$topic/eventSubscriptions/$($SubscriptionName)?api-version=$ApiVersion"

# The key appears once the host has started with the blob trigger; a request wakes the app.
$key = ''
for ($attempt = 1; $attempt -le $Attempts; $attempt++) {
    az rest --method get --skip-authorization-header --uri "$env:SERVICE_API_URI/api/health" 2>$null | Out-Null
    $key = az functionapp keys list --resource-group $env:AZURE_RESOURCE_GROUP `
        --name $env:AZURE_FUNCTION_APP_NAME --query systemKeys.blobs_extension --output tsv 2>$null
    if ($LASTEXITCODE -eq 0 -and $key) { break }
    $key = ''
    Write-Host "postdeploy: waiting for the blobs_extension key ($attempt/$Attempts)"
    Start-Sleep -Seconds $Pause
}
if (-not $key) {
    Fail "no blobs_extension system key on $env:AZURE_FUNCTION_APP_NAME: is the host up and the blob trigger indexed? See docs/deploy.md"
}

$body = @{
    properties = @{
        destination                    = @{
            endpointType = 'WebHook'
            properties   = @{
                endpointUrl                   = "$env:SERVICE_API_URI/runtime/webhooks/blobs?functionName=Host.Functions.$env:THUMBNAIL_FUNCTION_NAME&code=$key"
                maxEventsPerBatch             = 1
                preferredBatchSizeInKilobytes = 64
            }
        }
        filter                         = @{
            includedEventTypes = @('Microsoft.Storage.BlobCreated')
            subjectBeginsWith  = "/blobServices/default/containers/$env:UPLOADS_CONTAINER_NAME/blobs/"
            advancedFilters    = @(
                @{ operatorType = 'NumberLessThanOrEquals'; key = 'data.contentLength'; value = [long]$env:THUMBNAIL_MAX_BYTES }
                @{ operatorType = 'StringIn'; key = 'data.api'; values = $uploadApis }
            )
        }
        eventDeliverySchema            = 'EventGridSchema'
        retryPolicy                    = @{ maxDeliveryAttempts = 30; eventTimeToLiveInMinutes = 1440 }
        deadLetterWithResourceIdentity = @{
            identity              = @{ type = 'SystemAssigned' }
            deadLetterDestination = @{
                endpointType = 'StorageBlob'
                properties   = @{
                    resourceId        = $env:UPLOADS_STORAGE_ACCOUNT_ID
                    blobContainerName = $env:EVENT_GRID_DEAD_LETTER_CONTAINER_NAME
                }
            }
        }
    }
}

$file = New-TemporaryFile
try {
    if (-not $IsWindows) { chmod 600 $file.FullName }
    $body | ConvertTo-Json -Depth 10 | Set-Content -Path $file.FullName -Encoding utf8NoBOM
    Write-Host "postdeploy: creating or updating Event Grid subscription $SubscriptionName"
    az rest --method put --uri $subscription --body "@$($file.FullName)" --output none
    if ($LASTEXITCODE -ne 0) { Fail 'az rest could not create the subscription' }
}
finally {
    Remove-Item -Force $file.FullName
}

# Event Grid validates the webhook (a SubscriptionValidation handshake) before it succeeds.
for ($attempt = 1; $attempt -le $Attempts; $attempt++) {
    $state = az rest --method get --uri $subscription --query properties.provisioningState --output tsv
    if ($LASTEXITCODE -ne 0) { Fail 'az rest could not read the subscription' }
    switch ($state) {
        'Succeeded' {
            Write-Host "postdeploy: BlobCreated in $env:UPLOADS_CONTAINER_NAME/ now triggers $env:THUMBNAIL_FUNCTION_NAME"
            exit 0
        }
        { $_ -in 'Failed', 'Canceled' } {
            Fail "the subscription ended ${state}: the webhook validation failed? See docs/deploy.md"
        }
    }
    Write-Host "postdeploy: subscription is $state ($attempt/$Attempts)"
    Start-Sleep -Seconds $Pause
}
Fail 'the subscription did not finish provisioning in time'
