#!/bin/sh
# azd postdeploy hook: point Event Grid at make_thumbnail.
#
# Creates, or updates in place (a PUT is create-or-update, so every run is safe to repeat),
# the Event Grid subscription that sends Microsoft.Storage.BlobCreated events of the `uploads`
# container up to THUMBNAIL_MAX_BYTES, made by an upload (data.api in UPLOAD_APIS), to the
# blobs extension webhook of the deployed app (infra/modules/event-grid.bicep sends the others
# to reject_upload's queue):
#   https://<app host>/runtime/webhooks/blobs?functionName=Host.Functions.<function>&code=<key>
# The key is the host's `blobs_extension` system key, which exists only once the deployed code
# runs; that is why this is a hook and not part of infra/. Undeliverable events go to a
# dead-letter container, written with the system topic's own identity (no storage key).
#
# Needs: az (logged in, as azd is), and the azd environment's values, which azd exports to hooks.
# pwsh twin: scripts/postdeploy.ps1. Checked offline by tests/deploy/test_postdeploy_hook.py.
set -eu

API_VERSION=2022-06-15
SUBSCRIPTION_NAME=${EVENT_SUBSCRIPTION_NAME:-uploads-to-make-thumbnail}
ATTEMPTS=${POSTDEPLOY_ATTEMPTS:-30}
PAUSE=${POSTDEPLOY_PAUSE_SECONDS:-10}

fail() {
  echo "postdeploy: $*" >&2
  exit 1
}

command -v az >/dev/null 2>&1 || fail "the Azure CLI (az) is required: https://aka.ms/azure-cli"

missing=""
for name in AZURE_SUBSCRIPTION_ID AZURE_RESOURCE_GROUP AZURE_FUNCTION_APP_NAME SERVICE_API_URI \
  UPLOADS_STORAGE_ACCOUNT_ID EVENT_GRID_SYSTEM_TOPIC_NAME UPLOADS_CONTAINER_NAME \
  EVENT_GRID_DEAD_LETTER_CONTAINER_NAME THUMBNAIL_FUNCTION_NAME THUMBNAIL_MAX_BYTES UPLOAD_APIS; do
  eval "value=\${$name:-}"
  [ -n "$value" ] || missing="$missing $name"
done
[ -z "$missing" ] || fail "missing azd environment values:$missing (run 'azd provision' first)"
# Both go into the JSON below as they are: a whole number, and a JSON array of strings.
case "$THUMBNAIL_MAX_BYTES" in
  '' | *[!0-9]*) fail "THUMBNAIL_MAX_BYTES must be a whole number of bytes, not '$THUMBNAIL_MAX_BYTES'" ;;
esac
case "$UPLOAD_APIS" in
  \[*\]) ;;
  *) fail "UPLOAD_APIS must be a JSON array, not '$UPLOAD_APIS'" ;;
esac

topic="/subscriptions/$AZURE_SUBSCRIPTION_ID/resourceGroups/$AZURE_RESOURCE_GROUP/providers/Microsoft.EventGrid/systemTopics/$EVENT_GRID_SYSTEM_TOPIC_NAME"
subscription="$topic/eventSubscriptions/$SUBSCRIPTION_NAME?api-version=$API_VERSION"

# The key appears once the host has started with the blob trigger; a request wakes the app.
key=""
attempt=1
while [ "$attempt" -le "$ATTEMPTS" ]; do
  az rest --method get --skip-authorization-header --uri "$SERVICE_API_URI/api/health" \
    >/dev/null 2>&1 || true
  key=$(az functionapp keys list --resource-group "$AZURE_RESOURCE_GROUP" \
    --name "$AZURE_FUNCTION_APP_NAME" --query systemKeys.blobs_extension --output tsv \
    2>/dev/null || true)
  [ -n "$key" ] && break
  echo "postdeploy: waiting for the blobs_extension key ($attempt/$ATTEMPTS)"
  attempt=$((attempt + 1))
  sleep "$PAUSE"
done
[ -n "$key" ] || fail "no blobs_extension system key on $AZURE_FUNCTION_APP_NAME: is the host up and the blob trigger indexed? See docs/deploy.md"

# The body holds the key: write it to a private temporary file, never to the command line.
body=$(mktemp)
trap 'rm -f "$body"' EXIT INT TERM
chmod 600 "$body"
cat >"$body" <<EOF
{
  "properties": {
    "destination": {
      "endpointType": "WebHook",
      "properties": {
        "endpointUrl": "$SERVICE_API_URI/runtime/webhooks/blobs?functionName=Host.Functions.$THUMBNAIL_FUNCTION_NAME&code=$key",
        "maxEventsPerBatch": 1,
        "preferredBatchSizeInKilobytes": 64
      }
    },
    "filter": {
      "includedEventTypes": ["Microsoft.Storage.BlobCreated"],
      "subjectBeginsWith": "/blobServices/default/containers/$UPLOADS_CONTAINER_NAME/blobs/",
      "advancedFilters": [
        {"operatorType": "NumberLessThanOrEquals", "key": "data.contentLength", "value": $THUMBNAIL_MAX_BYTES},
        {"operatorType": "StringIn", "key": "data.api", "values": $UPLOAD_APIS}
      ]
    },
    "eventDeliverySchema": "EventGridSchema",
    "retryPolicy": {"maxDeliveryAttempts": 30, "eventTimeToLiveInMinutes": 1440},
    "deadLetterWithResourceIdentity": {
      "identity": {"type": "SystemAssigned"},
      "deadLetterDestination": {
        "endpointType": "StorageBlob",
        "properties": {
          "resourceId": "$UPLOADS_STORAGE_ACCOUNT_ID",
          "blobContainerName": "$EVENT_GRID_DEAD_LETTER_CONTAINER_NAME"
        }
      }
    }
  }
}
EOF

echo "postdeploy: creating or updating Event Grid subscription $SUBSCRIPTION_NAME"
az rest --method put --uri "$subscription" --body "@$body" --output none

# Event Grid validates the webhook (a SubscriptionValidation handshake) before it succeeds.
attempt=1
while [ "$attempt" -le "$ATTEMPTS" ]; do
  state=$(az rest --method get --uri "$subscription" --query properties.provisioningState \
    --output tsv)
  case "$state" in
    Succeeded)
      echo "postdeploy: BlobCreated in $UPLOADS_CONTAINER_NAME/ now triggers $THUMBNAIL_FUNCTION_NAME"
      exit 0
      ;;
    Failed | Canceled)
      fail "the subscription ended $state: the webhook validation failed? See docs/deploy.md"
      ;;
  esac
  echo "postdeploy: subscription is $state ($attempt/$ATTEMPTS)"
  attempt=$((attempt + 1))
  sleep "$PAUSE"
done
fail "the subscription did not finish provisioning in time"
