// A well-formed order body (two lines, total 8948 cents) for the orders tests.
export const validOrder = () => ({
  customer: { name: 'Ana Pereira', phone: '+351 912 345 678', gender: 'female', address: { line1: 'Rua A 1', city: 'Lisboa', postalCode: '1000-001', country: 'PT' }, notes: 'after 18:00' },
  mediaSource: { type: 'tv', name: 'Canal Shop 24' },
  items: [
    { sku: 'PAN-01', quantity: 2, unitPriceMinor: 1999 },
    { sku: 'KNIFE-3', quantity: 1, unitPriceMinor: 4950 },
  ],
  currency: 'EUR',
  totalMinor: 8948,
});
