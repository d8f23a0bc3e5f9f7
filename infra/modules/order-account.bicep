// One more storage account for orders, read models and event queues (orderStorageAccounts > 1;
// docs/scaling.md). It is made by the same module as the host's account, so the same rules
// hold: shared keys off, OAuth by default, TLS 1.2, no public blobs; and the app's identity
// gets the same data roles on it. Its settings for the app and the host (the connection
// OrdersStorage<k>__*) are set by main.bicep from the outputs.
param name string
param location string
param tags object = {}

@description('Which order account this is (1 or more; 0 is the host\'s own).')
param accountIndex int

@minValue(2)
param accounts int

@minValue(1)
param queues int

@description('Tables of the order data (main.bicep\'s list).')
param tableNames array

@description('The app\'s managed identity, which gets the data roles.')
param principalId string

module storage 'storage.bicep' = {
  name: '${name}-storage'
  params: {
    name: name
    location: location
    tags: tags
    containerNames: []
    queueNames: []
    tableNames: tableNames
  }
}

module eventQueues 'event-queues.bicep' = {
  name: '${name}-event-queues'
  params: {
    storageAccountName: storage.outputs.name
    accountIndex: accountIndex
    accounts: accounts
    queues: queues
  }
}

// The same three roles as on the host's account (storage-roles.bicep says which trigger or
// client needs each): here the queue triggers of the queues it holds, the change feed's sends
// and dead letters, and the order and read-model tables.
module roles 'storage-roles.bicep' = {
  name: '${name}-roles'
  params: {
    storageAccountName: storage.outputs.name
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output name string = storage.outputs.name
output blobEndpoint string = storage.outputs.blobEndpoint
output queueEndpoint string = storage.outputs.queueEndpoint
output tableEndpoint string = storage.outputs.tableEndpoint
