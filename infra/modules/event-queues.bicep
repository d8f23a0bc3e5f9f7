// The change feed's event queues that live in one storage account when the feed is spread over
// several queues (orderEventQueues > 1): queue i, `order-events-<i>`, and its poison twin live
// in order account i mod orderStorageAccounts (shared/sharding.py, queue_account). With one
// queue this creates nothing: `order-events` is in main.bicep's list of the host's account.
param storageAccountName string

@description('Which order account this is (0 is the host\'s own, AzureWebJobsStorage).')
param accountIndex int

@minValue(1)
param accounts int

@minValue(1)
param queues int

var queuesHere = queues == 1 ? 0 : (queues - accountIndex + accounts - 1) / accounts

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' existing = {
  parent: account
  name: 'default'
}

// Even entries the queue, odd its poison twin: process_order_event_<i> reads the first, and
// the host (after maxDequeueCount) and the app (a malformed event) park in the second.
resource eventQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for j in range(0, queuesHere * 2): {
  parent: queueService
  name: j % 2 == 0 ? 'order-events-${accountIndex + (j / 2) * accounts}' : 'order-events-${accountIndex + (j / 2) * accounts}-poison'
}]
